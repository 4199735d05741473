"""The item model."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Item(models.Model):
    """Something for sale, optionally owned by the user who created it."""

    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True, default="")
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    in_stock = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="item_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_name(self) -> str | None:
        """The owner's username, or None for an item without an owner."""
        return self.owner.username if self.owner else None
