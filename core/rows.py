"""Single rows in and out without the ORM's query compiler, for the review queue's hot path.

Building a statement through the ORM costs more Python time than the database spends running it;
these write the same values (each field's own pre_save and database preparation, so auto_now, UUIDs
and JSON come out as the ORM would write them) with SQL built straight from the model's metadata (an
INSERT's once per model). They send no model signals: nothing in Chorus listens to the models written
this way.

The builders return statements (SQL and parameters) so that a transaction's writes can go to the
database together: statements_run sends them as one query on PostgreSQL, one round trip where each
statement alone would cost its own.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model

Statement = tuple[str, list]


def db_value(field, value):
    """A value as the ORM would send it to this database for `field` (UUIDs and datetimes differ)."""
    return field.get_db_prep_value(value, connection)


def instance_loaded(model: type[Model], **values) -> Model:
    """The instance a query loading only these fields would build (raw SQL results): the rest are deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


@cache
def _insert_sql(model: type[Model], vendor: str, ignore_conflicts: bool) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key or not f.db_returning)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    pk = connection.ops.quote_name(meta.pk.column)
    table = connection.ops.quote_name(meta.db_table)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}){conflict} RETURNING {pk}",
        fields,
    )


def insert_statement(instance: Model, *, ignore_conflicts: bool = False) -> Statement:
    """The INSERT that Model.save() would run for the instance, returning the new primary key (no row
    when ignore_conflicts skipped it)."""
    sql, fields = _insert_sql(type(instance), connection.vendor, ignore_conflicts)
    return sql, [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]


def update_statement(model: type[Model], pk, values: dict) -> Statement:
    """An UPDATE of one row's fields (by attribute name) to the given Python values."""
    meta = model._meta
    fields = [meta.get_field(name) for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(values[name], connection) for name, f in zip(values, fields)]
    params.append(db_value(meta.pk, pk))
    table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    return (
        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
        params,
    )


def statements_run(statements: list[Statement]) -> tuple | None:
    """Run the statements in order and return the first row the last one returns (None if none).

    On PostgreSQL they travel as one query (psycopg2 sends several statements in one round trip); the
    first that fails raises and the rest do not run, so call this inside the transaction they belong to.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "; ".join(sql for sql, _ in statements), [value for _, params in statements for value in params]
            )
        else:  # sqlite3 runs one statement per call
            for sql, params in statements:
                cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def instance_inserted(instance: Model, pk) -> None:
    """Mark the instance saved under the primary key its INSERT returned."""
    instance.pk = instance._meta.pk.to_python(pk)
    instance._state.adding, instance._state.db = False, connection.alias
