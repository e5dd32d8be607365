"""Milestone meetings: units, members, group ↔ unit bindings, meetings, check-ins, leaves, audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        _at("created_at"),
        sa.ForeignKeyConstraint(["parent_id"], ["units.id"], name=op.f("fk_units_parent_id_units"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("name", name=op.f("uq_units_name")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("wecom_userid", sa.String(length=128), nullable=True),
        sa.Column("dingtalk_id", sa.String(length=128), nullable=True),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_members_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("wecom_userid", name=op.f("uq_members_wecom_userid")),
        sa.UniqueConstraint("dingtalk_id", name=op.f("uq_members_dingtalk_id")),
        sa.UniqueConstraint("mobile", name=op.f("uq_members_mobile")),
    )
    op.create_index(op.f("ix_members_unit_id"), "members", ["unit_id"], unique=False)
    op.create_table(
        "unit_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("bound_by", sa.String(length=200), nullable=False),
        _at("bound_at"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_groups_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_groups")),
        sa.UniqueConstraint("platform", "chat_id", name="uq_unit_groups_platform_chat_id"),
    )
    op.create_index(op.f("ix_unit_groups_unit_id"), "unit_groups", ["unit_id"], unique=False)
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        _at("starts_at"),
        _at("ends_at"),
        _at("window_opens_at"),
        _at("window_closes_at"),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("include_masses", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("chat_id", sa.String(length=128), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        _at("created_at"),
        _at("closed_at", nullable=True),
        sa.Column("source_key", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_meetings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("source_key", name=op.f("uq_meetings_source_key")),
    )
    op.create_index("ix_meetings_unit_id_state", "meetings", ["unit_id", "state"], unique=False)
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("attendee_key", sa.String(length=300), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("platform_user_id", sa.String(length=128), nullable=True),
        _at("at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("by_member_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_checkins_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_checkins_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("meeting_id", "attendee_key", name="uq_checkins_meeting_id_attendee_key"),
        sa.UniqueConstraint("meeting_id", "member_id", name="uq_checkins_meeting_id_member_id"),
        sa.UniqueConstraint("source_key", name=op.f("uq_checkins_source_key")),
    )
    op.create_index(op.f("ix_checkins_member_id"), "checkins", ["member_id"], unique=False)
    op.create_table(
        "leaves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _at("requested_at"),
        sa.Column("decided_by_member_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        _at("decided_at", nullable=True),
        sa.Column("source_key", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_leaves_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_leaves_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaves")),
        sa.UniqueConstraint("meeting_id", "member_id", name="uq_leaves_meeting_id_member_id"),
        sa.UniqueConstraint("source_key", name=op.f("uq_leaves_source_key")),
    )
    op.create_index(op.f("ix_leaves_member_id"), "leaves", ["member_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _at("at"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_member_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_unit_id"), "audit_log", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_unit_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_leaves_member_id"), table_name="leaves")
    op.drop_table("leaves")
    op.drop_index(op.f("ix_checkins_member_id"), table_name="checkins")
    op.drop_table("checkins")
    op.drop_index("ix_meetings_unit_id_state", table_name="meetings")
    op.drop_table("meetings")
    op.drop_index(op.f("ix_unit_groups_unit_id"), table_name="unit_groups")
    op.drop_table("unit_groups")
    op.drop_index(op.f("ix_members_unit_id"), table_name="members")
    op.drop_table("members")
    op.drop_table("units")
