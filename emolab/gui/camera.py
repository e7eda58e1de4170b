"""Orthographic camera for drawing 3-D joints in a 2-D view (Qt-free math).

pyqtgraph's OpenGL view does not work offscreen (PLATFORM.md), so the skeleton is
projected here and drawn with plain 2-D items: azimuth turns about the vertical (y)
axis, elevation tilts the view from above; x is screen-right and y screen-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class OrbitCamera:
    azimuth: float = 20.0  # degrees about y; 0 looks at the figure's front (from +z)
    elevation: float = 10.0  # degrees above the horizon
    zoom: float = 1.0

    def rotation(self) -> np.ndarray:
        """3 × 3 matrix whose first two rows give screen x and y."""
        a, e = np.radians(self.azimuth), np.radians(self.elevation)
        yaw = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
        tilt = np.array([[1, 0, 0], [0, np.cos(e), -np.sin(e)], [0, np.sin(e), np.cos(e)]])
        return tilt @ yaw

    def project(self, points: np.ndarray) -> np.ndarray:
        """(…, 3) world points (m) → (…, 2) screen points (m, before zoom)."""
        return points @ self.rotation()[:2].T

    def orbit(self, d_azimuth: float, d_elevation: float) -> None:
        self.azimuth = (self.azimuth + d_azimuth) % 360
        self.elevation = float(np.clip(self.elevation + d_elevation, -89, 89))

    def reset(self) -> None:
        self.azimuth, self.elevation, self.zoom = 20.0, 10.0, 1.0
