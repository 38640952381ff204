"""The engine on real loop devices: every byte written, seekable keystream, errors, stops."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.support.devices import MIB, read_raw, run
from wipe.engine import Target, write_pass
from wipe.errors import DeviceRefused, PatternError
from wipe.patterns import ONE, RANDOM, ZERO, Filler, parse_pattern
from wipe.runner import erase
from wipe.verify import sample_plan, verify

LoopFactory = Callable[..., str]


class StopAfter:
    """A progress sink that runs `action` once, after the first chunk lands."""

    def __init__(self, action: Callable[[], object]) -> None:
        self.action, self.fired = action, False

    def start(self, phase: str, total: int) -> None:
        """Ignore the phase."""

    def advance(self, done: int) -> None:
        """Fire once."""
        if not self.fired:
            self.fired = True
            self.action()


def test_patterns_are_zero_one_random_or_any_hex_byte() -> None:
    assert parse_pattern("zero") == ZERO and parse_pattern("0x00") == ZERO
    assert parse_pattern("ONE") == ONE and parse_pattern("0xff") == ONE
    assert parse_pattern("random").random_generator == "AES-256-CTR"
    assert parse_pattern("0xa5").name == "0xA5" and parse_pattern("0xa5").byte == 0xA5
    for bad in ("0x1", "0xGG", "twos", "0x100", ""):
        with pytest.raises(PatternError):
            parse_pattern(bad)


def test_keystream_at_any_offset_equals_the_stream_read_from_the_start() -> None:
    filler = Filler.for_pass(RANDOM)
    whole = filler.expected(0, 100_000)
    for offset in (0, 16, 12_345, 65_536, 99_999):
        assert filler.expected(offset, 100_000 - offset) == whole[offset:]


def test_every_random_pass_gets_its_own_key() -> None:
    first, second = Filler.for_pass(RANDOM), Filler.for_pass(RANDOM)
    assert first.key != second.key
    assert first.expected(0, 4096) != second.expected(0, 4096)


def test_a_zero_pass_reaches_the_last_sector_after_an_unaligned_last_chunk(
    loop_device: LoopFactory,
) -> None:
    device = loop_device(64, extra_bytes=512)  # the last O_DIRECT chunk is one sector long
    with Target(device) as target:
        write_pass(target, Filler.for_pass(ONE), stop=threading.Event())
        assert target.size == 64 * MIB + 512
        result = write_pass(
            target, Filler.for_pass(ZERO), stop=threading.Event(), chunk_size=4 * MIB
        )
    assert result.bytes_written == 64 * MIB + 512 and not result.errors
    run("blockdev", "--flushbufs", device)
    run("cmp", "-n", str(64 * MIB + 512), device, "/dev/zero")


def test_an_image_file_of_unaligned_size_is_wiped_to_its_last_byte(tmp_path: Path) -> None:
    image = tmp_path / "card.img"
    image.write_bytes(os.urandom(MIB + 100))
    with Target(str(image)) as target:
        assert target.bulk_end == MIB and target.size == MIB + 100  # 100 bytes via the tail
        outcome = erase(target, [parse_pattern("0xA5")], "full", stop=threading.Event())
    assert outcome.verification.result == "passed"
    assert image.read_bytes() == b"\xa5" * (MIB + 100)


def test_a_random_pass_writes_the_aes_ctr_keystream_at_every_offset(
    loop_device: LoopFactory,
) -> None:
    device = loop_device(8, extra_bytes=1536)
    filler = Filler.for_pass(RANDOM)
    with Target(device) as target:
        write_pass(target, filler, stop=threading.Event(), chunk_size=MIB)
    size = 8 * MIB + 1536
    # An independent reading: the whole keystream from the key and nonce, in one go.
    stream = Cipher(algorithms.AES(filler.key), modes.CTR(filler.nonce)).encryptor()
    assert read_raw(device) == stream.update(bytes(size))


def test_full_verification_finds_one_changed_byte(loop_device: LoopFactory) -> None:
    device = loop_device(16)
    with Target(device) as target:
        filler = Filler.for_pass(RANDOM)
        write_pass(target, filler, stop=threading.Event())
        assert verify(target, filler, "full", stop=threading.Event()).result == "passed"
        os.pwrite(target.fd_plain, b"\x00", 10 * MIB + 7)
        target.flush()
        found = verify(target, filler, "full", stop=threading.Event())
    assert (found.result, found.mismatches) == ("failed", 1)
    assert found.errors[0].offset == 10 * MIB and found.errors[0].length == 4096


def test_sampling_reads_ten_percent_of_each_of_a_thousand_subsections_and_both_ends() -> None:
    size, block, seed = 64 * MIB + 512, 512, bytes.fromhex("00112233445566778899aabbccddeeff")
    plan = sample_plan(size, block, seed)
    assert plan.subsections == 1000 and plan.total >= size // 10
    assert plan.ranges[0][0] == 0
    assert plan.ranges[-1][0] + plan.ranges[-1][1] == size
    blocks = -(-size // block)
    for index in range(1000):
        low = index * blocks // 1000 * block
        high = (index + 1) * blocks // 1000 * block
        read = sum(max(0, min(high, o + n) - max(low, o)) for o, n in plan.ranges)
        assert read >= (high - low) / 10, f"subsection {index} read {read} of {high - low}"
    assert sample_plan(size, block, seed) == plan  # the recorded seed reproduces it
    assert sample_plan(size, block, bytes(16)) != plan


def test_sample_verification_always_checks_the_last_block(loop_device: LoopFactory) -> None:
    device = loop_device(32)
    with Target(device) as target:
        filler = Filler.for_pass(ZERO)
        write_pass(target, filler, stop=threading.Event())
        os.pwrite(target.fd_plain, b"\x01", target.size - 1)
        target.flush()
        found = verify(target, filler, "sample", stop=threading.Event())
    assert found.mode == "sample" and found.result == "failed" and found.mismatches == 1
    assert found.coverage_percent >= 10 and len(found.seed or "") == 32


def test_a_device_turned_read_only_mid_pass_gives_recorded_error_ranges(
    loop_device: LoopFactory,
) -> None:
    device = loop_device(16)
    sink = StopAfter(lambda: run("blockdev", "--setro", device))
    try:
        with Target(device) as target:
            result = write_pass(
                target,
                Filler.for_pass(ONE),
                stop=threading.Event(),
                progress=sink,
                chunk_size=MIB,
                writers=1,
            )
    finally:
        subprocess.run(["blockdev", "--setrw", device], check=False)
    assert result.bytes_written == MIB  # the first chunk landed, nothing after it
    assert [(e.offset, e.length) for e in result.errors] == [(MIB, 15 * MIB)]
    assert "Operation not permitted" in result.errors[0].error


def test_a_stop_request_ends_the_pass_at_the_next_chunk(loop_device: LoopFactory) -> None:
    device = loop_device(32)
    stop = threading.Event()
    with Target(device) as target:
        outcome = erase(
            target, [RANDOM, ZERO], "full", stop=stop, progress=StopAfter(stop.set), chunk_size=MIB
        )
    assert outcome.aborted and len(outcome.passes) == 1
    assert outcome.passes[0].bytes_written <= 3 * MIB  # the chunks already in flight
    assert outcome.verification.result == "skipped"


def test_the_engine_refuses_a_mounted_device_whatever_the_caller_decided(
    loop_device: LoopFactory,
    ext4_with_markers: Callable[[str], list[bytes]],
    mount: Callable[[str], Path],
) -> None:
    device = loop_device(16)
    ext4_with_markers(device)
    mount(device)
    with pytest.raises(DeviceRefused, match="busy"):
        Target(device)
