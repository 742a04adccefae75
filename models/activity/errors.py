"""Errors the activity model raises for bad input, each with a message that says what to do."""

from __future__ import annotations


class ModelError(ValueError):
    """Base class: the model cannot be trained or used on this input."""


class AsOfError(ModelError):
    """The requested as_of is outside the loaded data."""


class InsufficientDataError(ModelError):
    """Too little history, or too few positive/negative examples, to train."""


class ModelVersionNotFoundError(ModelError, FileNotFoundError):
    """The requested model version is not in the registry."""


class FeatureMismatchError(ModelError):
    """The features computed now differ from those the model was trained on."""
