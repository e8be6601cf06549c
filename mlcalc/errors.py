"""The one exception type that reaches main(): its message is shown as `mlcalc: error: <message>`."""


class MlcalcError(Exception):
    """A problem the user can fix: bad input, shapes that do not fit, a singular matrix, ...

    The message names the command or operand and the fact, in the user's terms.
    """


class InputError(MlcalcError):
    """An operand could not be read: missing file, bad number, unsafe NPY, ..."""


class ShapeError(MlcalcError):
    """Operands whose shapes do not fit the operation."""


class NonFiniteError(InputError):
    """A NaN or ±Inf where the command refuses them; `array` and `position` (1-based) let the CLI add the
    line of the file it came from (CLI.md: the position "as a user counts lines")."""

    def __init__(self, message: str, array=None, position: tuple = ()):
        super().__init__(message)
        self.array = array
        self.position = position


class NumericError(MlcalcError):
    """Singular matrix, non-finite values where they are not allowed, non-convergence."""
