"""The rule of five, as releases apply it to published demographics: it lives in kws.anonymity (pure), where
model evaluation uses it too, so the two can never apply different rules."""

from kws.anonymity import BLANK, K, publishable

__all__ = ["BLANK", "K", "publishable"]
