// predicateHints: PROTOCOL.md, "SQL Expressions for Filtering": "the server will support the
// following simple comparison expressions between a column in the table and a constant value":
// `=`, `>`, `<`, `>=`, `<=`, `<>`, `IS NULL`, `IS NOT NULL` ("col = 123", "'foo' < col",
// "col IS NOT NULL"). Each hint is translated into the JSON predicate tree of jsonPredicateHints
// (so one evaluator, delta/data_skipping.h, serves both), typed by the column's type in the
// table schema. Grammar accepted, case-insensitive keywords:
//   hint    := operand op operand | column IS [NOT] NULL
//   operand := column | literal;  exactly one side of a comparison is a column
//   column  := identifier | `quoted identifier`
//   literal := 'text' ('' escapes a quote) | number | true | false | DATE 'text' | TIMESTAMP 'text'
// A hint outside this grammar, on an unknown column or a column of a type without a predicate
// value type (binary, decimal, nested) is skipped: "If the server fails to parse one of the SQL
// predicates, or fails to evaluate it, the server may skip it." Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "delta/predicate.h"

namespace lakeshare::sharing {

struct ColumnType {
  std::string name;  // as in the schema
  delta::ValueType type;
};

/// Top-level columns of a Spark schema string that have a predicate value type, by lower-cased
/// name. Columns of other types are left out. Empty on a malformed schema.
std::map<std::string, ColumnType> PredicateColumns(std::string_view schema_string);

/// Translate one SQL hint into jsonPredicateHints text; kMalformedRequest saying why when it is
/// outside the grammar or names an unknown column.
Result<std::string> SqlHintToJsonPredicate(std::string_view sql,
                                           const std::map<std::string, ColumnType>& columns);

}  // namespace lakeshare::sharing
