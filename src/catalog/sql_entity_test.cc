// EntityTable as production describes each entity: the columns every named object gets
// (NamedColumns), the kind messages name (KindNoun), and each description (CatalogTable(), ...)
// against the schema the migrations build, so that a wrong production description fails here.
#include <sqlite3.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalog/sql_catalog_impl.h"
#include "catalog/sqlite_catalog.h"
#include "catalog/sqlite_row_internal.h"
#include "common/result_testing.h"
#include "common/strings.h"
#include "common/temp_dir.h"

namespace lakeshare::catalog {
namespace {

TEST(KindNounTest, SpellsTheResourceKindAsANoun) {
  EXPECT_EQ(KindNoun(ResourceKind::kCatalog), "Catalog");
  EXPECT_EQ(KindNoun(ResourceKind::kStorageCredential), "Storage credential");
  EXPECT_EQ(KindNoun(ResourceKind::kFederationPolicy), "Federation policy");
  EXPECT_EQ(KindNoun(ResourceKind::kNone), "");
  EXPECT_EQ(KindNoun(ResourceKind::kSharedObject), "");
}

TEST(PagingTest, TheLimitIsOneRowMoreThanThePageAndSaturates) {
  EXPECT_EQ(SqlLimit(PageBounds{"", 10}), 11);
  EXPECT_EQ(SqlLimit(PageBounds{"", 0}), kNoLimit);  // no limit
  // Leftover of issue 13: INT64_MAX + 1 overflowed (a negative LIMIT: all rows on SQLite, an
  // error on PostgreSQL).
  for (int64_t huge : {kNoLimit - 1, kNoLimit, std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(SqlLimit(PageBounds{"", huge}), kNoLimit) << huge;
    EXPECT_EQ(SqlLimit(huge), kNoLimit) << huge;
  }
}

// Leftover of issue 13: SQLite gives no text for a value it cannot convert (out of memory); the
// row reader made a string of that null pointer.
TEST(SqliteRowTest, AValueWithoutTextIsAnErrorNotAnEmptyCell) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT 42, NULL, 'x'", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  auto row = ReadSqliteRow(stmt);
  ASSERT_TRUE(row) << row.error().ToString();
  EXPECT_EQ(*row, (SqlRow{"42", std::nullopt, "x"}));
  auto out_of_memory = [](sqlite3_stmt*, int) -> const unsigned char* { return nullptr; };
  EXPECT_TRUE(FailsWith(ReadSqliteRow(stmt, out_of_memory), ErrorCode::kInternal, "column 0"));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(NamedColumnsTest, CommonColumnsFrameTheOwnOnes) {
  const EntityTable<ExternalLocationInfo>& locations = ExternalLocationTable();
  EXPECT_EQ(locations.ColumnList("l"),
            "l.name_key, l.id, l.name, l.owner, l.comment, l.url, l.read_only, l.created_at, "
            "l.updated_at, l.created_by, l.updated_by");
  EXPECT_EQ(locations.width(), 11u);
  EXPECT_EQ(locations.kind(), "External location");
}

TEST(NamedColumnsTest, OnlyTheMembersTheObjectHas) {
  // A principal has no owner and no created_by/updated_by; a policy has created_by only.
  EXPECT_EQ(PrincipalTable().ColumnList(""),
            "name_key, id, name, comment, is_admin, created_at, updated_at");
  EXPECT_EQ(PolicyTable().ColumnList(""),
            "name_key, id, name, comment, issuer, audiences, subject_claim, subject, jwks_uri, "
            "created_at, updated_at, created_by");
}

TEST(CellTest, IntegerCellsAreWholeNumbersOrFaultsNamingTheColumn) {
  EXPECT_EQ(ToInt(std::string("-42"), "t.c"), -42);
  EXPECT_EQ(ToInt(std::string("9223372036854775807"), "t.c"), INT64_MAX);
  EXPECT_EQ(ToInt(std::nullopt, "t.c"), 0);  // an aggregate over no rows
  EXPECT_EQ(ToOptInt(std::nullopt, "t.c").value(), std::nullopt);  // NULL: unset
  EXPECT_EQ(ToOptInt(std::string("7"), "t.c").value(), 7);
  // strtoll read each of these as a number (12, 0, 0, INT64_MAX, 1) without a word.
  for (const char* bad : {"12abc", "soon", "", "9223372036854775808", "1.0e+20", " 1"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(FailsWith(ToInt(std::string(bad), "shares.created_at"), ErrorCode::kInternal,
                          "Metastore column 'shares.created_at' holds a value that is not a "
                          "whole number"));
    EXPECT_TRUE(FailsWith(ToOptInt(std::string(bad), "t.c"), ErrorCode::kInternal, "'t.c'"));
  }
}

/// A connection whose every query answers `rows`.
class CannedConn final : public SqlConn {
 public:
  explicit CannedConn(SqlRows rows) : rows_(std::move(rows)) {}
  Result<SqlRows> Query(std::string_view, const std::vector<SqlValue>&) override { return rows_; }
  Result<int64_t> Exec(std::string_view, const std::vector<SqlValue>&) override { return 0; }

 private:
  SqlRows rows_;
};

TEST(CellTest, QueryCountReadsTheOneCellOfACount) {
  CannedConn three({{"3"}});
  EXPECT_EQ(QueryCount(three, "SELECT COUNT(*) FROM t", {}), 3);
  CannedConn none({});
  EXPECT_EQ(QueryCount(none, "SELECT COUNT(*) FROM t", {}), 0);
  CannedConn text({{"many"}});
  EXPECT_TRUE(
      FailsWith(QueryCount(text, "SELECT COUNT(*) FROM t", {}), ErrorCode::kInternal, "COUNT(*)"));
}

TEST(NamedColumnsTest, FromRowReadsTheCellsInColumnListOrder) {
  const SqlRow row = {"x", "skipped", "id-1", "Ann", "likes tea", "1", "10", "20"};
  const Result<Principal> read = PrincipalTable().FromRow(row, 1);
  ASSERT_TRUE(read) << read.error().ToString();
  const Principal& p = *read;
  EXPECT_EQ(p.id, "id-1");
  EXPECT_EQ(p.name, "Ann");
  EXPECT_EQ(p.comment, "likes tea");
  EXPECT_TRUE(p.is_admin);
  EXPECT_EQ(p.created_at, 10);
  EXPECT_EQ(p.updated_at, 20);
}

TEST(NamedColumnsTest, FromRowNamesTheTableAndColumnOfABadCell) {
  const SqlRow flag = {"ann", "id-1", "Ann", "", "yes", "10", "20"};
  EXPECT_TRUE(FailsWith(PrincipalTable().FromRow(flag), ErrorCode::kInternal,
                        "'principals.is_admin'"));
  const SqlRow stamp = {"ann", "id-1", "Ann", "", "1", "10", "20x"};
  EXPECT_TRUE(FailsWith(PrincipalTable().FromRow(stamp), ErrorCode::kInternal,
                        "'principals.updated_at'"));
}

TEST(NamedColumnsTest, ValidationNamesTheKind) {
  const Status empty = StorageCredentialTable().ValidateName("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message, "The storage credential name must not be empty");
}

/// One production description and the columns of its table that it does not hold itself: the
/// parent column and the columns written beside it (ExtraColumns).
struct DescribedTable {
  std::string_view table;
  std::function<std::string()> column_list;  // the description's ColumnList("")
  std::set<std::string> not_described;
};

template <typename T>
DescribedTable Described(const EntityTable<T>& t, std::set<std::string> not_described = {}) {
  return {t.table(), [&t] { return t.ColumnList(""); }, std::move(not_described)};
}

/// The column names of `table` in the SQLite file at `path` (PRAGMA table_info).
std::set<std::string> SchemaColumns(const std::string& path, std::string_view table) {
  sqlite3* db = nullptr;
  std::set<std::string> out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    const std::string sql = "PRAGMA table_info(" + std::string(table) + ")";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        out.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// Every production description names exactly the columns of its table as the migrations leave
// it: a column it misses, misspells or invents fails here, not first in a query at run time.
TEST(ProductionTablesTest, DescribeExactlyTheColumnsOfTheMigratedSchema) {
  const TempDir dir("lakeshare-sql-entity-test");
  const std::string path = (dir.path() / "metastore.db").string();
  ASSERT_TRUE(SqliteCatalog::Open(path).has_value()) << "the migrations must apply";
  const std::vector<DescribedTable> tables = {
      Described(PrincipalTable()),
      Described(CatalogTable()),
      Described(SchemaTable(), {"catalog_id"}),
      Described(TableTable(), {"schema_id", "location_key"}),
      Described(ShareTable()),
      Described(RecipientTable()),
      Described(StorageCredentialTable(), {"sealed_secret"}),
      Described(ExternalLocationTable(), {"url_key", "credential_id"}),
      Described(GroupTable()),
      Described(PolicyTable(), {"recipient_id"}),
  };
  for (const DescribedTable& t : tables) {
    SCOPED_TRACE(t.table);
    std::set<std::string> described = t.not_described;
    const std::string list = t.column_list();
    for (std::string_view column : Split(list, ',')) {
      column.remove_prefix(column.find_first_not_of(' '));
      EXPECT_TRUE(described.emplace(column).second) << "described twice: " << column;
    }
    EXPECT_EQ(described, SchemaColumns(path, t.table));
  }
}

}  // namespace
}  // namespace lakeshare::catalog
