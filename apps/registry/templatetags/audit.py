"""The audit trail's rows in German: ``{% load audit %}`` then ``event.action|action_label``,
``event.actor_label|actor_label``, ``event|event_note`` (one fact) and ``event|event_facts`` (all)."""

from django import template

from apps.registry import audit_labels

register = template.Library()
register.filter("action_label", audit_labels.action_label)
register.filter("actor_label", audit_labels.actor_label)
register.filter("event_note", audit_labels.event_note)
register.filter("event_facts", audit_labels.event_facts)
