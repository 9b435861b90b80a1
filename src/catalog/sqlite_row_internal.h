// ReadSqliteRow: one SQLite result row as the text cells the SQL layer reads (SqlRow), for the
// SQLite metastore (sqlite_catalog.cc). SQLite gives a value's text only after converting it
// (a number, a blob) and returns NULL when that conversion runs out of memory: such a cell is an
// error, never an empty string. The column reader is a parameter so that tests can make it fail.
// Stateless; `stmt` is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include "catalog/sql_catalog_internal.h"
#include "common/result.h"

namespace lakeshare::catalog {

/// sqlite3_column_text's signature.
using SqliteColumnText = const unsigned char* (*)(sqlite3_stmt*, int);

/// The current row of `stmt` (after sqlite3_step gave SQLITE_ROW): each value as text, SQL NULL as
/// nullopt. kInternal when `column_text` gives no text for a value that is not NULL.
Result<SqlRow> ReadSqliteRow(sqlite3_stmt* stmt,
                             SqliteColumnText column_text = sqlite3_column_text);

}  // namespace lakeshare::catalog
