"""gunicorn settings read by `make run` and the Docker image (command-line flags win)."""


def post_worker_init(worker: object) -> None:
    """Load jieba's dictionary before the first request, not during it (about a second)."""
    from market.search import load_dictionary

    load_dictionary()
