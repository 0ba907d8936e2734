"""cioguard: finds the mistakes teams make when they integrate Customer.io."""

__version__ = "0.1.0"
