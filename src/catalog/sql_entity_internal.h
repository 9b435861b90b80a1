// EntityTable<T>: the CRUD of one kind of named metastore object (catalogs, schemas, tables,
// shares, recipients, principals, ...) written once, from a description of how T is stored: its
// kind, its table, its own columns (each bound to a member of T), the parent it lives in and the
// securable type its grants use. Every such table has an `id` primary key, a `name` and a
// `name_key` (the lower-cased name, unique within the parent), so lookups are case-insensitive
// and lists are ordered by name_key and paged by it; the columns every named object has (id,
// name, owner, comment and the stamps) are added by NamedColumns(), not by each description.
//
// A description is built once (a function-local static) and is immutable: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "catalog/sql_support_internal.h"
#include "common/check.h"
#include "common/strings.h"

namespace lakeshare::catalog {

/// A member of T stored in one column: text, an integer, a flag (0/1), an optional integer
/// (NULL when unset) or a list of strings (one a line).
template <typename T>
using FieldRef = std::variant<std::string T::*, int64_t T::*, bool T::*,
                              std::optional<int64_t> T::*, std::vector<std::string> T::*>;

template <typename T>
struct Column {
  std::string_view name;
  FieldRef<T> field;
};

/// Every column of a named object T: id, name, owner (when T has one) and comment, then `own`
/// (the columns of T's own fields), then the stamps: created_at, updated_at and, when T has
/// them, created_by and updated_by. The order is that of the SELECT lists (ColumnList), of the
/// cells FromRow reads and of the values Insert and Update bind; the tables' schema is the
/// migrations' (sql_catalog.cc), whatever this order.
template <typename T>
std::vector<Column<T>> NamedColumns(const std::vector<Column<T>>& own) {
  std::vector<Column<T>> columns{{"id", &T::id}, {"name", &T::name}};
  if constexpr (requires(T t) { t.owner; }) {
    columns.push_back({"owner", &T::owner});
  }
  columns.push_back({"comment", &T::comment});
  columns.insert(columns.end(), own.begin(), own.end());
  columns.push_back({"created_at", &T::created_at});
  columns.push_back({"updated_at", &T::updated_at});
  if constexpr (requires(T t) { t.created_by; }) {
    columns.push_back({"created_by", &T::created_by});
  }
  if constexpr (requires(T t) { t.updated_by; }) {
    columns.push_back({"updated_by", &T::updated_by});
  }
  return columns;
}

template <typename T>
struct EntitySpec {
  /// What it is; also what its kNotFound / kAlreadyExists are about, and the kind messages name
  /// (KindNoun: "Catalog 'x' does not exist").
  ResourceKind resource = ResourceKind::kNone;
  std::string_view table = {};          // "catalogs"
  std::string_view parent_column = {};  // "catalog_id" for a schema; empty for a top-level object
  std::string_view securable = {};      // the grants' securable_type ("CATALOG"); empty: no grants
  bool dotted_names = false;            // whether a name may hold '.' (not if it is part of a path)
  /// The columns of T's own fields; those of every named object are implied (NamedColumns), and
  /// so are name_key and the parent column.
  std::vector<Column<T>> columns = {};
};

/// Columns written beside those of the description (e.g. a canonical location key).
using ExtraColumns = std::vector<std::pair<std::string_view, SqlValue>>;

/// Delete every grant on the securable `id` of type `securable` ("TABLE", ...).
Status DeleteGrantsOn(SqlConn& c, std::string_view securable, const std::string& id);

template <typename T>
class EntityTable {
 public:
  explicit EntityTable(EntitySpec<T> spec)
      : spec_(std::move(spec)),
        kind_(KindNoun(spec_.resource)),
        columns_(NamedColumns(spec_.columns)) {
    LS_CHECK(!kind_.empty(), "an entity's ResourceKind names it in messages");
    std::string names;
    std::string marks;
    std::string sets;
    for (const Column<T>& col : columns_) {
      cell_names_.push_back(std::string(spec_.table) + "." + std::string(col.name));
      names += ", " + std::string(col.name);
      marks += ", ?";
      sets += (sets.empty() ? "" : ", ") + std::string(col.name) + " = ?";
    }
    const std::string table(spec_.table);
    const std::string parent = spec_.parent_column.empty()
                                   ? std::string()
                                   : std::string(spec_.parent_column) + " = ? AND ";
    const std::string select = "SELECT " + ColumnList("") + " FROM " + table + " WHERE " + parent;
    find_sql_ = select + "name_key = ?";
    page_sql_ = select + "name_key > ? ORDER BY name_key LIMIT ?";
    insert_sql_ = "INSERT INTO " + table + " (name_key" +
                  (parent.empty() ? "" : ", " + std::string(spec_.parent_column)) + names;
    insert_marks_ = ") VALUES (?" + std::string(parent.empty() ? "" : ", ?") + marks;
    update_sql_ = "UPDATE " + table + " SET name_key = ?, " + sets;
    delete_sql_ = "DELETE FROM " + table + " WHERE id = ?";
  }

  std::string_view kind() const { return kind_; }
  std::string_view table() const { return spec_.table; }

  /// ValidateName() for this kind of object ("The catalog name must not be empty").
  Status ValidateName(std::string_view name) const {
    return catalog::ValidateName(ToLower(kind_), name, spec_.dotted_names);
  }

  /// "x.name_key, x.id, x.name, ..." (alias "x"; no alias: unqualified): what FromRow reads.
  std::string ColumnList(std::string_view alias) const {
    const std::string prefix = alias.empty() ? std::string() : std::string(alias) + ".";
    std::string out = prefix + "name_key";
    for (const Column<T>& col : columns_) {
      out += ", " + prefix + std::string(col.name);
    }
    return out;
  }
  /// How many cells ColumnList() selects.
  size_t width() const { return columns_.size() + 1; }

  /// The object in the cells of `row` from `at` on, in ColumnList() order; kInternal naming
  /// the column when a cell does not hold what its member needs (see ToInt).
  Result<T> FromRow(const SqlRow& row, size_t at = 0) const {
    T out{};
    for (size_t i = 0; i < columns_.size(); ++i) {
      LS_RETURN_IF_ERROR(Decode(row[at + 1 + i], columns_[i].field, cell_names_[i], out));
    }
    return out;
  }

  Result<std::optional<T>> Find(SqlConn& c, std::string_view parent_id,
                                std::string_view name) const {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(find_sql_, Params(parent_id, {Key(name)})));
    if (rows.empty()) {
      return std::optional<T>();
    }
    LS_ASSIGN_OR_RETURN(T found, FromRow(rows[0]));
    return std::optional<T>(std::move(found));
  }

  /// The object named `name` in `parent_id`; kNotFound "<Kind> '<shown>' does not exist".
  Result<T> Get(SqlConn& c, std::string_view parent_id, std::string_view name,
                std::string_view shown) const {
    LS_ASSIGN_OR_RETURN(std::optional<T> found, Find(c, parent_id, name));
    if (!found) {
      return NotFound(spec_.resource, "{} '{}' does not exist", kind_, shown);
    }
    return std::move(*found);
  }

  /// The top-level object `name` (as Get), completed by `fill` (what its row does not hold).
  Result<T> GetFilled(SqlConn& c, std::string_view name, Status (*fill)(SqlConn&, T&)) const {
    LS_ASSIGN_OR_RETURN(T obj, Get(c, "", name, name));
    LS_RETURN_IF_ERROR(fill(c, obj));
    return obj;
  }

  /// kAlreadyExists "<Kind> '<shown>' already exists" when `name` is taken in `parent_id`.
  Status CheckAbsent(SqlConn& c, std::string_view parent_id, std::string_view name,
                     std::string_view shown) const {
    LS_ASSIGN_OR_RETURN(std::optional<T> found, Find(c, parent_id, name));
    if (found) {
      return AlreadyExists(spec_.resource, "{} '{}' already exists", kind_, shown);
    }
    return OkStatus();
  }

  Result<Listing<T>> List(SqlConn& c, std::string_view parent_id, const PageBounds& b) const {
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query(page_sql_, Params(parent_id, {b.after, SqlLimit(b)})));
    Listing<T> out;
    rows = TrimPage(std::move(rows), b, &out.next_page_token);
    out.items.reserve(rows.size());
    for (const SqlRow& row : rows) {
      LS_ASSIGN_OR_RETURN(T item, FromRow(row));
      out.items.push_back(std::move(item));
    }
    return out;
  }

  /// Insert `obj` (and `extra` columns) into `parent_id` unless its name is taken there (see
  /// CheckAbsent).
  Status Insert(SqlConn& c, std::string_view parent_id, const T& obj, std::string_view shown,
                const ExtraColumns& extra = {}) const {
    LS_RETURN_IF_ERROR(CheckAbsent(c, parent_id, obj.name, shown));
    std::vector<SqlValue> values{Key(obj.name)};
    if (!spec_.parent_column.empty()) {
      values.push_back(Text(parent_id));
    }
    AppendValues(obj, values);
    std::string sql = insert_sql_;
    std::string marks = insert_marks_;
    for (const auto& [column, value] : extra) {
      sql += ", " + std::string(column);
      marks += ", ?";
      values.push_back(value);
    }
    return c.Exec(sql + marks + ")", values).map([](int64_t) {});
  }

  /// Write every column of `obj` (and `extra` columns) to its row (found by id).
  Status Update(SqlConn& c, const T& obj, const ExtraColumns& extra = {}) const {
    std::vector<SqlValue> values{Key(obj.name)};
    AppendValues(obj, values);
    std::string sql = update_sql_;
    for (const auto& [column, value] : extra) {
      sql += ", " + std::string(column) + " = ?";
      values.push_back(value);
    }
    values.push_back(obj.id);
    return c.Exec(sql + " WHERE id = ?", values).map([](int64_t) {});
  }

  /// Rename `obj` to `new_name` within `parent_id` unless that name is taken (a change of case
  /// only is always allowed). `shown_prefix` + new_name is what the error names.
  Status Rename(SqlConn& c, std::string_view parent_id, const std::optional<std::string>& new_name,
                std::string_view shown_prefix, T& obj) const {
    if (!new_name) {
      return OkStatus();
    }
    if (Key(*new_name) != Key(obj.name)) {
      LS_RETURN_IF_ERROR(
          CheckAbsent(c, parent_id, *new_name, std::string(shown_prefix) + *new_name));
    }
    obj.name = *new_name;
    return OkStatus();
  }

  /// Delete the row `id` and the grants on it (its child rows go by ON DELETE CASCADE).
  Status Delete(SqlConn& c, const std::string& id) const {
    if (!spec_.securable.empty()) {
      LS_RETURN_IF_ERROR(DeleteGrantsOn(c, spec_.securable, id));
    }
    return c.Exec(delete_sql_, {id}).map([](int64_t) {});
  }

 private:
  std::vector<SqlValue> Params(std::string_view parent_id, std::vector<SqlValue> rest) const {
    if (!spec_.parent_column.empty()) {
      rest.insert(rest.begin(), Text(parent_id));
    }
    return rest;
  }

  void AppendValues(const T& obj, std::vector<SqlValue>& values) const {
    for (const Column<T>& col : columns_) {
      values.push_back(std::visit([&](auto member) { return Encode(obj.*member); }, col.field));
    }
  }

  static SqlValue Encode(const std::string& v) { return v; }
  static SqlValue Encode(int64_t v) { return v; }
  static SqlValue Encode(bool v) { return int64_t{v ? 1 : 0}; }
  static SqlValue Encode(const std::optional<int64_t>& v) { return OptVal(v); }
  static SqlValue Encode(const std::vector<std::string>& v) { return JoinLines(v); }

  static Status Decode(const std::optional<std::string>& cell, const FieldRef<T>& field,
                       std::string_view name, T& out) {
    return std::visit(
        [&](auto member) -> Status {
          using M = std::remove_cvref_t<decltype(out.*member)>;
          if constexpr (std::is_same_v<M, std::string>) {
            out.*member = ToStr(cell);
          } else if constexpr (std::is_same_v<M, int64_t>) {
            LS_ASSIGN_OR_RETURN(out.*member, ToInt(cell, name));
          } else if constexpr (std::is_same_v<M, bool>) {
            LS_ASSIGN_OR_RETURN(int64_t flag, ToInt(cell, name));
            out.*member = flag != 0;
          } else if constexpr (std::is_same_v<M, std::optional<int64_t>>) {
            LS_ASSIGN_OR_RETURN(out.*member, ToOptInt(cell, name));
          } else {
            out.*member = SplitLines(ToStr(cell));
          }
          return OkStatus();
        },
        field);
  }

  EntitySpec<T> spec_;
  std::string kind_;                     // KindNoun(spec_.resource)
  std::vector<Column<T>> columns_;       // NamedColumns(spec_.columns)
  std::vector<std::string> cell_names_;  // "table.column" of each of columns_, for errors
  std::string find_sql_;
  std::string page_sql_;
  std::string insert_sql_;    // up to the column list's end
  std::string insert_marks_;  // ") VALUES (?, ..." without the closing ')'
  std::string update_sql_;    // without the WHERE clause
  std::string delete_sql_;
};

/// Apply the name/owner/comment of an ObjectUpdate to `obj` (rename checked as in Rename()).
template <typename T, typename U>
Status ApplyObjectUpdate(SqlConn& c, const EntityTable<T>& table, std::string_view parent_id,
                         const U& u, std::string_view shown_prefix, T& obj) {
  LS_RETURN_IF_ERROR(table.Rename(c, parent_id, u.new_name, shown_prefix, obj));
  if (u.owner) {
    obj.owner = *u.owner;
  }
  if (u.comment) {
    obj.comment = *u.comment;
  }
  return OkStatus();
}

}  // namespace lakeshare::catalog
