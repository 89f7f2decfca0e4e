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
        self.path, self.row, self.column, self.message = path, row, column, message

    def __reduce__(self):  # raised in the process that reads large inputs, re-raised in the run's
        return (_input_error, (self.path, self.message, self.row, self.column))


def _input_error(path, message, row, column) -> InputError:
    return InputError(path, message, row=row, column=column)
