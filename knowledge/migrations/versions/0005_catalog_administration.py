"""Catalog administration: decisions imported by admins, audited changes, catalog version: revision 0005 (after 0004), written 2026-12-01."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column(
            'state',
            sa.Enum('published', 'scheduled', 'applied', 'rolled_back', name='decision_state',
                    native_enum=False, length=20),
            nullable=False, server_default='published'))
        batch_op.add_column(sa.Column('source_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('imported_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('applied_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rolled_back_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rolled_back_at', sa.DateTime(), nullable=True))
    op.create_table('decision_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('replaced_by_code', sa.String(length=32), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_decision_changes_decision_id', 'decision_changes', ['decision_id'])
    op.create_index('ix_decision_changes_procedure_code', 'decision_changes', ['procedure_code'])
    op.create_table('catalog_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('decision_number', sa.String(length=100), nullable=True),
    sa.Column('attribute', sa.String(length=50), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_catalog_changes_at', 'catalog_changes', ['at'])
    op.create_index('ix_catalog_changes_actor', 'catalog_changes', ['actor'])
    op.create_index('ix_catalog_changes_code_at', 'catalog_changes', ['procedure_code', 'at'])
    op.create_table('catalog_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('lexicon_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('term', 'procedure_code')
    )
    op.create_index('ix_lexicon_words_procedure_code', 'lexicon_words', ['procedure_code'])


def downgrade() -> None:
    op.drop_table('lexicon_words')
    op.drop_table('catalog_state')
    op.drop_table('catalog_changes')
    op.drop_table('decision_changes')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        for column in ('rolled_back_at', 'rolled_back_by', 'applied_at', 'imported_at',
                       'imported_by', 'source_name', 'state', 'effective_on'):
            batch_op.drop_column(column)
