"""regulator cases and access log

Revision ID: b6d2e3f40512
Revises: a5c1d2e3f401
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'b6d2e3f40512'
down_revision: str | None = 'a5c1d2e3f401'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('credit_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('target_event_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('opened_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_by_user_id', sa.Integer(), nullable=True),
    sa.Column('statement', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('closed_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('decision_event_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.CheckConstraint("kind IN ('finding', 'appeal', 'repair', 'dispute', 'review', 'report')", name='ck_credit_cases_kind'),
    sa.CheckConstraint("(status = 'open' AND closed_at IS NULL AND decision IS NULL) OR (status = 'closed' AND closed_at IS NOT NULL AND decision IS NOT NULL)", name='ck_credit_cases_closed_once'),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name='fk_credit_cases_reservation_id'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name='fk_credit_cases_report_id'),
    sa.ForeignKeyConstraint(['opened_by_user_id'], ['users.id'], name='fk_credit_cases_opened_by_user_id'),
    sa.ForeignKeyConstraint(['closed_by_user_id'], ['users.id'], name='fk_credit_cases_closed_by_user_id'),
    sa.PrimaryKeyConstraint('id', name='pk_credit_cases')
    )
    op.create_index('uq_credit_cases_one_appeal_per_record', 'credit_cases', ['subject', 'target_event_id'], unique=True, sqlite_where=sa.text("kind = 'appeal'"), postgresql_where=sa.text("kind = 'appeal'"))
    op.create_index('uq_credit_cases_one_dispute_decision', 'credit_cases', ['reservation_id'], unique=True, sqlite_where=sa.text("kind = 'dispute'"), postgresql_where=sa.text("kind = 'dispute'"))
    op.create_index('ix_credit_cases_kind_status', 'credit_cases', ['kind', 'status'], unique=False)
    op.create_index('ix_credit_cases_subject', 'credit_cases', ['subject'], unique=False)

    op.create_table('credit_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regulator_user_id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['regulator_user_id'], ['users.id'], name='fk_credit_access_log_regulator_user_id'),
    sa.PrimaryKeyConstraint('id', name='pk_credit_access_log')
    )
    op.create_index('ix_credit_access_log_regulator_subject_at', 'credit_access_log', ['regulator_user_id', 'subject', 'at'], unique=False)
    op.create_index('ix_credit_access_log_subject', 'credit_access_log', ['subject'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_credit_access_log_subject', table_name='credit_access_log')
    op.drop_index('ix_credit_access_log_regulator_subject_at', table_name='credit_access_log')
    op.drop_table('credit_access_log')
    op.drop_index('ix_credit_cases_subject', table_name='credit_cases')
    op.drop_index('ix_credit_cases_kind_status', table_name='credit_cases')
    op.drop_index('uq_credit_cases_one_dispute_decision', table_name='credit_cases')
    op.drop_index('uq_credit_cases_one_appeal_per_record', table_name='credit_cases')
    op.drop_table('credit_cases')
