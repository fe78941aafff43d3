"""The Argo CD emulator of the tests (see ``emulator.py``)."""

from .emulator import ApiError, App, ArgoCdEmulator, argocd_session
from .render import RenderError, render

__all__ = ["ApiError", "App", "ArgoCdEmulator", "RenderError", "argocd_session", "render"]
