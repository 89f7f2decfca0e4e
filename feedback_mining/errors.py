"""The few exception types the tool raises; the CLI turns them into one line and an exit code."""


class FeedbackMiningError(Exception):
    """Base class: a failure the user can act on. Exit code 1."""

    exit_code = 1


class UsageError(FeedbackMiningError):
    """Bad flags, config or unusable input (missing file or column). Exit code 2."""

    exit_code = 2


class InputError(UsageError):
    """An input file that cannot be used; the message names the file and, where known, row and column."""

    def __init__(self, path, message, *, row=None, column=None):
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")
        self.path, self.row, self.column = path, row, column
