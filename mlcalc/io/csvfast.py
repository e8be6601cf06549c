"""Large CSV files: placeholder until the parallel parser lands (small-file path is used for all)."""


def should_use(path: str) -> bool:
    return False


def read(path: str, source: str, delimiter: str | None):
    raise NotImplementedError
