/** What the script prints before its JSON answer, so that env.py's own output cannot be taken for it. */
export const DRIFT_MARKER = 'DEVUP-ALEMBIC-DRIFT ';

/**
 * The comparison `alembic check` makes (Alembic 1.9+), through Alembic's API so that it runs on
 * older ones too (Debian 12 ships 1.8): the service's env.py is run as for any command, and inside
 * its migration context autogenerate compares env.py's target_metadata with the database.
 * Written by hand because no package offers it: it is a dozen calls into Alembic, and each
 * difference is described in words (table, column, type) rather than as Alembic's tuples.
 */
export const DRIFT_SCRIPT = `
import json, os
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.runtime.environment import EnvironmentContext
from alembic.autogenerate import compare_metadata

answer = {"metadata": None, "differences": []}

def flat(items):
    for item in items:
        if isinstance(item, list):
            yield from flat(item)
        else:
            yield item

def null(flag):
    return "NULL" if flag else "NOT NULL"

def describe(d):
    kind = d[0]
    if kind == "add_table":
        return {"kind": kind, "table": d[1].name, "text": "table %s is in the models, but no migration creates it" % d[1].name}
    if kind == "remove_table":
        return {"kind": kind, "table": d[1].name, "text": "table %s is in the database, but not in the models" % d[1].name}
    if kind in ("add_column", "remove_column"):
        table, column = d[2], d[3]
        where = "in the models, but no migration adds it" if kind == "add_column" else "in the database, but not in the models"
        return {"kind": kind, "table": table, "column": column.name, "type": str(column.type),
                "text": "column %s.%s (%s) is %s" % (table, column.name, column.type, where)}
    if kind == "modify_type":
        table, column, old, new = d[2], d[3], d[5], d[6]
        return {"kind": kind, "table": table, "column": column, "type": str(new),
                "text": "column %s.%s is %s in the database, %s in the models" % (table, column, old, new)}
    if kind == "modify_nullable":
        table, column, old, new = d[2], d[3], d[5], d[6]
        return {"kind": kind, "table": table, "column": column,
                "text": "column %s.%s is %s in the database, %s in the models" % (table, column, null(old), null(new))}
    if kind in ("add_index", "remove_index"):
        index = d[1]
        where = "in the models only" if kind == "add_index" else "in the database only"
        return {"kind": kind, "table": index.table.name, "text": "index %s on %s is %s" % (index.name, index.table.name, where)}
    return {"kind": str(kind), "text": repr(d)}

def compare(revision, context):
    metadata = context.opts.get("target_metadata")
    if metadata is None:
        return []
    answer["metadata"] = True
    skip = {context.version_table}
    for d in flat(compare_metadata(context, metadata)):
        # The version table, and devup's own tables, are bookkeeping, never in the models.
        if d[0] == "remove_table" and (d[1].name in skip or d[1].name.startswith("devup_")):
            continue
        answer["differences"].append(describe(d))
    return []

config = Config(os.environ.get("ALEMBIC_CONFIG", "alembic.ini"))
script = ScriptDirectory.from_config(config)
with EnvironmentContext(config, script, fn=compare, as_sql=False):
    script.run_env()
print("${DRIFT_MARKER}" + json.dumps(answer))
`;
