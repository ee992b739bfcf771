"""Staff endpoints ask for a Django model permission, not only staff status: an admin account can be given
the Clips pages without training jobs, or training without the erasure notices."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

SAFE = ("GET", "HEAD", "OPTIONS")


def is_staff_with(user, *perms: str) -> bool:
    """An active staff account holding every one of `perms` (a superuser holds them all)."""
    return bool(user and user.is_active and user.is_staff and user.has_perms(perms))


class StaffModelPermission(BasePermission):
    """Staff holding the view's `required_perms[method]` (HEAD and OPTIONS use GET's). A method the view does
    not list is refused, so a new handler cannot go out unguarded."""

    message = "you need a staff account with the permission for this"

    def has_permission(self, request, view):
        required = getattr(view, "required_perms", {})
        method = "GET" if request.method in SAFE else request.method
        perms = required.get(method)
        return perms is not None and is_staff_with(request.user, *perms)
