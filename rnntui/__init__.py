"""rnntui: watch a recurrent network think, one timestep at a time."""

__version__ = "0.1.0"
