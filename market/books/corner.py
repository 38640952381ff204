"""A school's book corner: who may see it, its classes and join codes, its members."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from market.accounts.models import Role, User
from market.books.errors import BookError, NotMember
from market.books.models import CornerBook, CornerMember, SchoolClass
from market.db import utcnow
from market.listings.catalog import Status
from market.listings.errors import NotFound
from market.listings.models import Listing
from market.orgs.models import Organization, OrgKind
from market.trades.models import Reservation, ReservationStatus

# No 0/O, 1/I/L: a code read aloud in class or copied from the board is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
ROLES = ("student", "teacher")


@dataclass(frozen=True)
class Access:
    """Who is looking at a corner: its school, their membership, and whether they run it."""

    school: Organization
    member: CornerMember | None
    coordinator: bool

    @property
    def venue(self) -> str:
        return f"school:{self.school.id}"


def school_of(*, session: Session, school_id: int) -> Organization:
    school = session.get(Organization, school_id)
    if school is None or school.kind != OrgKind.SCHOOL.value:
        raise NotFound(_l("没有这所学校。"))
    return school


def is_coordinator(user: User, school: Organization) -> bool:
    """Admins, and coordinators of this school (not of another)."""
    if user.role == Role.ADMIN.value:
        return True
    return user.role == Role.SCHOOL_COORDINATOR.value and user.organization_id == school.id


def access(*, session: Session, school_id: int, user: User, coordinator: bool = False) -> Access:
    """The one access check of the corner: members and its coordinators, else 403."""
    school = school_of(session=session, school_id=school_id)
    member = session.exec(
        select(CornerMember).where(
            CornerMember.user_id == user.id, CornerMember.school_id == school.id
        )
    ).first()
    runs = is_coordinator(user, school)
    if coordinator and not runs:
        raise NotMember(_l("只有本校旧书角的协调人可以这样做。"))
    if not runs and member is None:
        raise NotMember(_l("请先用班级加入码加入本校旧书角。"))
    return Access(school=school, member=member, coordinator=runs)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    return "".join(raw.split()).upper().replace("-", "")


def _save_with_fresh_code(session: Session, klass: SchoolClass) -> SchoolClass:
    for _attempt in range(5):
        klass.join_code = new_code()
        session.add(klass)
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            taken_name = session.exec(
                select(SchoolClass).where(
                    SchoolClass.school_id == klass.school_id,
                    SchoolClass.name == klass.name,
                    col(SchoolClass.id) != klass.id,
                )
            ).first()
            if taken_name is not None:
                raise BookError(_l("本校已有同名班级。"), field="name") from exc
            continue
        return klass
    raise BookError(_l("暂时无法生成加入码，请重试。"))


def create_class(*, session: Session, coordinator: User, school_id: int, name: str) -> SchoolClass:
    """A class with a fresh join code, unique within the school."""
    corner = access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    text = " ".join(name.split())
    if not text or len(text) > 40:
        raise BookError(_l("请填写班级名称（最多40个字符），如：七年级2班。"), field="name")
    klass = SchoolClass(
        school_id=corner.school.id or 0, name=text, join_code="", created_by=coordinator.id or 0
    )
    return _save_with_fresh_code(session, klass)


def regenerate_code(
    *, session: Session, coordinator: User, school_id: int, class_id: int
) -> SchoolClass:
    """A new code for a class; the old one stops working (members stay members)."""
    corner = access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    klass = session.get(SchoolClass, class_id)
    if klass is None or klass.school_id != corner.school.id:
        raise NotFound(_l("没有这个班级。"))
    return _save_with_fresh_code(session, klass)


def join(*, session: Session, user: User, school_id: int, code: str) -> CornerMember:
    """Join the corner with a class code; a member who joins again moves to that class.

    Everyone joins as a student (a code on the board is no proof of being a teacher); the
    coordinator marks teachers on the desk (`set_role`).
    """
    school = school_of(session=session, school_id=school_id)
    if user.role != Role.RESIDENT.value:
        raise BookError(_l("请用学生或老师本人的普通账号加入。"), field="code")
    klass = session.exec(
        select(SchoolClass).where(
            SchoolClass.school_id == school.id, SchoolClass.join_code == normalize_code(code)
        )
    ).first()
    if klass is None:
        raise BookError(_l("加入码不对，请向老师核对（不区分大小写）。"), field="code")
    member = session.exec(
        select(CornerMember).where(
            CornerMember.user_id == user.id, CornerMember.school_id == school.id
        )
    ).first()
    if member is None:
        member = CornerMember(user_id=user.id or 0, school_id=school.id or 0, class_id=0)
    member.class_id, member.joined_at = klass.id or 0, utcnow()
    session.add(member)
    try:
        session.commit()
    except IntegrityError as exc:  # a double click joined already
        session.rollback()
        raise BookError(_l("您已加入本校旧书角。"), field="code") from exc
    return member


def set_role(
    *, session: Session, coordinator: User, school_id: int, user_id: int, role: str
) -> CornerMember:
    """The coordinator marks a member as a teacher, or back as a student."""
    access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    if role not in ROLES:
        raise BookError(_l("请选择学生或老师。"), field="role")
    member = session.exec(
        select(CornerMember).where(
            CornerMember.school_id == school_id, CornerMember.user_id == user_id
        )
    ).first()
    if member is None:
        raise NotFound(_l("这个人不是本校旧书角的成员。"))
    member.role = role
    session.add(member)
    session.commit()
    return member


def classes_of(*, session: Session, school_id: int) -> list[SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.school_id == school_id)
    return list(session.exec(query.order_by(col(SchoolClass.name))))


def members_of(*, session: Session, school_id: int) -> list[tuple[CornerMember, User, str]]:
    """(member, user, class name) for everyone in the corner, by class then name."""
    rows = session.exec(
        select(CornerMember, User, SchoolClass)
        .join(User, col(User.id) == CornerMember.user_id)
        .join(SchoolClass, col(SchoolClass.id) == CornerMember.class_id)
        .where(CornerMember.school_id == school_id)
        .order_by(col(SchoolClass.name), col(User.display_name))
    )
    return [(m, u, c.name) for m, u, c in rows]


def schools_of(*, session: Session, user: User) -> list[Organization]:
    """The schools whose corner `user` belongs to or runs."""
    ids = set(session.exec(select(CornerMember.school_id).where(CornerMember.user_id == user.id)))
    if user.role == Role.SCHOOL_COORDINATOR.value and user.organization_id:
        ids.add(user.organization_id)
    if not ids:
        return []
    return list(session.exec(select(Organization).where(col(Organization.id).in_(ids))))


@dataclass(frozen=True)
class Shelf:
    """What the coordinator's desk shows of a corner's books: the books on offer or reserved,
    the open takes, and the people named by either."""

    rows: list[tuple[Listing, CornerBook]]
    open_takes: dict[int, Reservation]
    people: dict[int, User]


def shelf(*, session: Session, school_id: int) -> Shelf:
    rows = list(
        session.exec(
            select(Listing, CornerBook)
            .join(CornerBook, col(CornerBook.listing_id) == Listing.id)
            .where(
                CornerBook.school_id == school_id,
                col(Listing.status).in_((Status.ACTIVE.value, Status.RESERVED.value)),
            )
            .order_by(col(Listing.published_at))
        ).all()
    )
    open_takes = {
        r.listing_id: r
        for r in session.exec(
            select(Reservation).where(
                col(Reservation.listing_id).in_([lst.id for lst, _b in rows]),
                Reservation.status == ReservationStatus.OPEN.value,
            )
        )
    }
    ids = [lst.owner_id for lst, _b in rows] + [r.buyer_id for r in open_takes.values()]
    people = {u.id or 0: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}
    return Shelf(rows=rows, open_takes=open_takes, people=people)


def all_schools(*, session: Session) -> list[Organization]:
    """Every school, by name: the corners a member may ask to join."""
    return list(
        session.exec(
            select(Organization)
            .where(Organization.kind == OrgKind.SCHOOL.value)
            .order_by(col(Organization.name))
        ).all()
    )


def on_offer(*, session: Session, school_id: int) -> list[tuple[Listing, CornerBook]]:
    """The corner's books on offer now, the newest first."""
    return list(
        session.exec(
            select(Listing, CornerBook)
            .join(CornerBook, col(CornerBook.listing_id) == Listing.id)
            .where(CornerBook.school_id == school_id, Listing.status == Status.ACTIVE.value)
            .order_by(col(Listing.published_at).desc())
        )
    )


def member_user(*, session: Session, school_id: int, user_id: int) -> User | None:
    """The member of this school's corner with this id, or None for anyone else."""
    member = session.exec(
        select(CornerMember).where(
            CornerMember.school_id == school_id, CornerMember.user_id == user_id
        )
    ).first()
    return session.get(User, member.user_id) if member else None
