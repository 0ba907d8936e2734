"""Exit codes and the error type for every expected failure."""

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class CioguardError(Exception):
    """A usage, configuration or input error that ends the run with exit code 2.

    The message names the bad value and says how to fix it.
    """

    exit_code = EXIT_ERROR


class ConfigError(CioguardError):
    """An invalid configuration file, key or value."""


class UsageError(CioguardError):
    """An invalid command-line argument."""


class RuleError(CioguardError):
    """A rule raised while checking a project; carries the code and the path."""
