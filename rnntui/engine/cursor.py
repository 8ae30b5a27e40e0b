"""The cursor over timesteps 1..T that the stepping sessions (text and task) move the same way."""

from __future__ import annotations


class TimestepCursor:
    """Moves `_cursor` within 1..T; a subclass sets `_cursor` and says what `T` is."""

    _cursor: int

    @property
    def T(self) -> int:
        raise NotImplementedError

    @property
    def cursor(self) -> int:
        """The timestep shown, 1..T."""
        return self._cursor

    def step_forward(self) -> bool:
        """Advance one timestep; False (and no change) at the end."""
        if self._cursor >= self.T:
            return False
        self._cursor += 1
        return True

    def step_back(self) -> bool:
        if self._cursor <= 1:
            return False
        self._cursor -= 1
        return True

    def first(self) -> None:
        self._cursor = 1

    def last(self) -> None:
        self._cursor = self.T
