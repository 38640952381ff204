"""school book corners

Revision ID: e4d3e4f50604
Revises: e3c2d3e4f503
Create Date: 2026-11-28 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'e4d3e4f50604'
down_revision: str | None = 'e3c2d3e4f503'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('books_catalogue',
    sa.Column('isbn13', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('publisher', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('edition', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('term', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], name='fk_books_catalogue_added_by'),
    sa.PrimaryKeyConstraint('isbn13', name='pk_books_catalogue')
    )
    op.create_index('ix_books_catalogue_grade_subject', 'books_catalogue', ['grade', 'subject'], unique=False)

    op.create_table('books_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('join_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name='fk_books_classes_school_id'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name='fk_books_classes_created_by'),
    sa.PrimaryKeyConstraint('id', name='pk_books_classes'),
    sa.UniqueConstraint('school_id', 'join_code', name='uq_books_classes_school_code'),
    sa.UniqueConstraint('school_id', 'name', name='uq_books_classes_school_name')
    )
    op.create_index('ix_books_classes_school_id', 'books_classes', ['school_id'], unique=False)

    op.create_table('books_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('joined_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_books_members_user_id'),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name='fk_books_members_school_id'),
    sa.ForeignKeyConstraint(['class_id'], ['books_classes.id'], name='fk_books_members_class_id'),
    sa.PrimaryKeyConstraint('id', name='pk_books_members'),
    sa.UniqueConstraint('user_id', 'school_id', name='uq_books_members_user_school')
    )
    op.create_index('ix_books_members_user_id', 'books_members', ['user_id'], unique=False)
    op.create_index('ix_books_members_school_id', 'books_members', ['school_id'], unique=False)

    op.create_table('books_corner_books',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('isbn13', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.Column('handed_in_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_in_by', sa.Integer(), nullable=True),
    sa.Column('handed_out_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_out_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name='fk_books_corner_books_listing_id'),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name='fk_books_corner_books_school_id'),
    sa.ForeignKeyConstraint(['isbn13'], ['books_catalogue.isbn13'], name='fk_books_corner_books_isbn13'),
    sa.ForeignKeyConstraint(['handed_in_by'], ['users.id'], name='fk_books_corner_books_handed_in_by'),
    sa.ForeignKeyConstraint(['handed_out_by'], ['users.id'], name='fk_books_corner_books_handed_out_by'),
    sa.PrimaryKeyConstraint('listing_id', name='pk_books_corner_books')
    )
    op.create_index('ix_books_corner_books_school_id', 'books_corner_books', ['school_id'], unique=False)
    op.create_index('ix_books_corner_books_isbn13', 'books_corner_books', ['isbn13'], unique=False)

    op.create_table('books_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('give', 'take', 'refund', 'grant')", name='ck_books_credits_kind'),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name='fk_books_credits_school_id'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_books_credits_user_id'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name='fk_books_credits_listing_id'),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name='fk_books_credits_reservation_id'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name='fk_books_credits_recorded_by'),
    sa.PrimaryKeyConstraint('id', name='pk_books_credits')
    )
    op.create_index('ix_books_credits_school_user', 'books_credits', ['school_id', 'user_id'], unique=False)
    op.create_index('uq_books_credits_one_give_per_listing', 'books_credits', ['listing_id'], unique=True, sqlite_where=sa.text("kind = 'give'"), postgresql_where=sa.text("kind = 'give'"))

    op.create_table('books_wanted',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('isbn13', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_books_wanted_user_id'),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name='fk_books_wanted_school_id'),
    sa.ForeignKeyConstraint(['isbn13'], ['books_catalogue.isbn13'], name='fk_books_wanted_isbn13'),
    sa.PrimaryKeyConstraint('id', name='pk_books_wanted'),
    sa.UniqueConstraint('user_id', 'school_id', 'isbn13', name='uq_books_wanted_entry')
    )
    op.create_index('ix_books_wanted_school_isbn', 'books_wanted', ['school_id', 'isbn13'], unique=False)

    op.create_table('books_share_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organizations.id'], name='fk_books_share_days_school_id'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name='fk_books_share_days_created_by'),
    sa.PrimaryKeyConstraint('id', name='pk_books_share_days')
    )
    op.create_index('ix_books_share_days_school_id', 'books_share_days', ['school_id'], unique=False)

    op.create_table('books_share_day_titles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_day_id', sa.Integer(), nullable=False),
    sa.Column('isbn13', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.ForeignKeyConstraint(['share_day_id'], ['books_share_days.id'], name='fk_books_share_day_titles_share_day_id'),
    sa.ForeignKeyConstraint(['isbn13'], ['books_catalogue.isbn13'], name='fk_books_share_day_titles_isbn13'),
    sa.PrimaryKeyConstraint('id', name='pk_books_share_day_titles'),
    sa.UniqueConstraint('share_day_id', 'isbn13', name='uq_books_share_day_titles_entry')
    )
    op.create_index('ix_books_share_day_titles_share_day_id', 'books_share_day_titles', ['share_day_id'], unique=False)


def downgrade() -> None:
    op.drop_table('books_share_day_titles')
    op.drop_table('books_share_days')
    op.drop_table('books_wanted')
    op.drop_index('uq_books_credits_one_give_per_listing', table_name='books_credits')
    op.drop_table('books_credits')
    op.drop_table('books_corner_books')
    op.drop_table('books_members')
    op.drop_table('books_classes')
    op.drop_table('books_catalogue')
