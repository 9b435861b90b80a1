#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/onboard.h"
#include "admin/cli/output.h"
#include "admin/cli/partners_csv.h"

namespace lakeshare::admin::cli {
namespace {

TEST(AdminCliTest, TableItemWithLocationIsParsedAndLowerCased) {
  auto item = ParseTableItem(" Main.Sales.Daily_Sales = /data/daily sales ");
  ASSERT_TRUE(item) << item.error().message;
  EXPECT_EQ(item->name, "main.sales.daily_sales");
  EXPECT_EQ(item->location, "/data/daily sales");
}

TEST(AdminCliTest, TableItemWithoutLocationMeansRegistered) {
  auto item = ParseTableItem("main.sales.articles");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->location, "");
}

TEST(AdminCliTest, TableItemLocationMayContainEquals) {
  auto item = ParseTableItem("a.b.c=s3://bucket/x=1/y");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->location, "s3://bucket/x=1/y");
}

/// Each of `bad` is refused by `parse` as kInvalidArgument, and the first one's message shows
/// the form expected (`form`).
template <typename Parse>
void ExpectRefusedShowingForm(Parse parse, std::initializer_list<const char*> bad,
                              const std::string& form) {
  for (const char* text : bad) {
    auto item = parse(text);
    ASSERT_FALSE(item) << text;
    EXPECT_EQ(item.error().code, ErrorCode::kInvalidArgument) << text;
  }
  EXPECT_NE(parse(*bad.begin()).error().message.find(form), std::string::npos) << form;
}

TEST(AdminCliTest, ArgumentRefusalsShowTheFormExpected) {
  ExpectRefusedShowingForm(ParseTableItem,
                           {"sales.daily", "a.b.c.d", "a..c", "a.b.c=", "a.b/c.d", ""},
                           "catalog.schema.table");
  ExpectRefusedShowingForm(ParsePartitionItem, {"country=DE", "t:country", "t:=x", ":c=x", "t:c=@"},
                           "TABLE:COLUMN=VALUE");
  ExpectRefusedShowingForm(ParseProperty, {"novalue", "=x"}, "KEY=VALUE");
}

TEST(AdminCliTest, PartitionItemLiteralAndProperty) {
  auto lit = ParsePartitionItem("stock_levels:country=DE");
  ASSERT_TRUE(lit);
  EXPECT_EQ(lit->table, "stock_levels");
  EXPECT_EQ(lit->column, "country");
  EXPECT_EQ(lit->value, "DE");
  EXPECT_FALSE(lit->from_property);
  auto prop = ParsePartitionItem("main.s.Stock_Levels:country=@partner_country");
  ASSERT_TRUE(prop);
  EXPECT_EQ(prop->table, "main.s.stock_levels");
  EXPECT_TRUE(prop->from_property);
  EXPECT_EQ(prop->value, "partner_country");
}

TEST(AdminCliTest, PropertyIsKeyEqualsValue) {
  auto kv = ParseProperty("partner_id = P001");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->first, "partner_id");
  EXPECT_EQ(kv->second, "P001");
  EXPECT_TRUE(ParseProperty("empty="));
}

TEST(AdminCliTest, ReadAtMostTakesUpToTheBoundAndRefusesMore) {
  std::istringstream exact("12345");
  EXPECT_EQ(ReadAtMost(exact, 5), "12345");
  std::istringstream empty("");
  EXPECT_EQ(ReadAtMost(empty, 5), "");
  std::istringstream larger("123456");
  EXPECT_EQ(ReadAtMost(larger, 5), std::nullopt);
}

TEST(AdminCliTest, TheTokenFileIsReadTrimmedAndBounded) {
  const std::string path = ::testing::TempDir() + "/cli_test_admin_token";
  GlobalOptions g;
  g.token_file = path;
  std::ofstream(path) << "  secret-admin-token\n";
  auto token = ResolveToken(g);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(*token, "secret-admin-token");

  // A file that cannot be an admin token (say, a data file named by mistake) is refused before
  // it is read whole.
  std::ofstream(path, std::ios::trunc) << std::string(64 * 1024 + 1, 'x');
  auto refused = ResolveToken(g);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("over 64 KiB"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("--token-file"), std::string::npos);
  std::remove(path.c_str());
}

TEST(AdminCliTest, CsvQuotesEscapesAndLineEndings) {
  auto rows = ParseCsv(
      "\xEF\xBB\xBF"
      "a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\"multi\nline\",\n");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*rows)[1], (std::vector<std::string>{"x,1", "say \"hi\""}));
  EXPECT_EQ((*rows)[2], (std::vector<std::string>{"multi\nline", ""}));
}

TEST(AdminCliTest, CsvWithoutFinalNewline) {
  auto rows = ParseCsv("a,b\n1,2");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "2"}));
}

TEST(AdminCliTest, CsvBrokenQuotesNameTheLine) {
  auto open = ParseCsv("a\n\"never closed\n");
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("line 2"), std::string::npos);
  auto stray = ParseCsv("a\nx\"y\n");
  ASSERT_FALSE(stray);
  EXPECT_NE(stray.error().message.find("line 2"), std::string::npos);
}

TEST(AdminCliTest, PartnersCsvFullRow) {
  auto specs = ParsePartnersCsv(
      "partner,share,tables,properties,ip_access_list,partitions,comment\n"
      "acme,retail,main.sales.daily=/d/daily;main.sales.stock=/d/stock,"
      "country=DE;tier=gold,10.0.0.0/8;2001:db8::/32,stock:country=@country,first partner\n"
      "\n"
      "globex,,main.sales.daily,,,,\n");
  ASSERT_TRUE(specs) << specs.error().message;
  ASSERT_EQ(specs->size(), 2u);
  const PartnerSpec& a = (*specs)[0];
  EXPECT_EQ(a.line, 2);
  EXPECT_EQ(a.partner, "acme");
  EXPECT_EQ(a.share, "retail");
  ASSERT_EQ(a.tables.size(), 2u);
  EXPECT_EQ(a.tables[1].name, "main.sales.stock");
  EXPECT_EQ(a.tables[1].location, "/d/stock");
  ASSERT_EQ(a.properties.size(), 2u);
  EXPECT_EQ(a.properties[1].second, "gold");
  EXPECT_EQ(a.ip_access_list, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  ASSERT_EQ(a.partitions.size(), 1u);
  EXPECT_TRUE(a.partitions[0].from_property);
  EXPECT_EQ(a.comment, "first partner");
  const PartnerSpec& b = (*specs)[1];
  EXPECT_EQ(b.share, "globex");  // default: the partner's name
  EXPECT_EQ(b.line, 4);
}

TEST(AdminCliTest, PartnersCsvColumnsInAnyOrder) {
  auto specs = ParsePartnersCsv("tables,Partner\nmain.s.t=/x,p1\n");
  ASSERT_TRUE(specs) << specs.error().message;
  EXPECT_EQ((*specs)[0].partner, "p1");
}

TEST(AdminCliTest, PartnersCsvErrorsNameLineAndColumn) {
  // Each file is refused with a message holding the words that say what is wrong and where.
  const std::pair<const char*, const char*> refused[] = {
      {"partner,tablez\n", "tablez"},
      {"share,tables\ns,a.b.c\n", "'partner' column is required"},
      {"partner,tables\np1,a.b.c\np2,sales\n", "line 3, column tables"},
      {"partner,tables\np1,a.b.c\nP1,a.b.c\n", "second time"},
      {"partner,tables\np1,\n", "no tables"},
      {"partner,tables\np1,a.b.c,oops\n", "quote fields"},
  };
  for (const auto& [csv, words] : refused) {
    auto specs = ParsePartnersCsv(csv);
    ASSERT_FALSE(specs) << csv;
    EXPECT_NE(specs.error().message.find(words), std::string::npos)
        << csv << ": " << specs.error().message;
  }

  EXPECT_FALSE(ParsePartnersCsv(""));
  EXPECT_FALSE(ParsePartnersCsv("partner,tables\n"));
}

TEST(AdminCliTest, PartitionFilterMustMatchATableAndAProperty) {
  PartnerSpec spec;
  spec.partner = "p";
  spec.share = "s";
  spec.tables = {*ParseTableItem("a.b.stock"), *ParseTableItem("a.c.stock")};
  spec.partitions = {*ParsePartitionItem("stock:country=DE")};
  auto ambiguous = ValidatePartner(spec);
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().message.find("exactly one"), std::string::npos);

  spec.partitions = {*ParsePartitionItem("a.b.stock:country=@country")};
  auto missing = ValidatePartner(spec);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("property 'country'"), std::string::npos);

  spec.properties = {{"country", "DE"}};
  EXPECT_TRUE(ValidatePartner(spec));

  spec.partner = "bad name";
  EXPECT_FALSE(ValidatePartner(spec));
}

TEST(AdminCliTest, CsvFieldsAreQuotedAndFormulasAreText) {
  EXPECT_EQ(CsvField("https://h/activate#abc"), "https://h/activate#abc");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  // What a hostile server could answer as an activation URL: a spreadsheet reads it as text.
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "\"'+1\"");
  EXPECT_EQ(CsvField("-1"), "\"'-1\"");
  EXPECT_EQ(CsvField("@SUM(1)"), "\"'@SUM(1)\"");
  EXPECT_EQ(CsvField("\tx"), "\"'\tx\"");
}

TEST(AdminCliTest, PartnersCsvRefusesNamesASpreadsheetReadsAsFormulas) {
  // The partner and share names go to the links file (CSV): a name starting with '=', '+', '-'
  // or '@' would be a formula in the spreadsheet that opens it (the server accepts such names).
  auto specs = ParsePartnersCsv(
      "partner,share,tables\n"
      "=1+2,s,a.b.c\n"
      "ok1,@SUM(1),a.b.c\n"
      "-2-3,-2-3,a.b.c\n"
      "+x,s,a.b.c\n"
      "ok2,s,a.b.c\n"
      "a=b,s-1,a.b.c\n");
  ASSERT_FALSE(specs);
  const std::string& m = specs.error().message;
  for (const char* line : {"line 2: partner: the name '=1+2' starts with '='",
                           "line 3: share: the name '@SUM(1)' starts with '@'",
                           "line 4: partner: the name '-2-3' starts with '-'",
                           "line 5: partner: the name '+x' starts with '+'"}) {
    EXPECT_NE(m.find(line), std::string::npos) << line << " missing in: " << m;
  }
  EXPECT_NE(m.find("4 problems"), std::string::npos) << m;  // line 4's share is not repeated
  EXPECT_EQ(m.find("line 6"), std::string::npos) << m;
  EXPECT_EQ(m.find("line 7"), std::string::npos) << m;
}

TEST(AdminCliTest, PartnersCsvReportsEveryProblemOfTheWholeFile) {
  // Issue 14 item 9: an invalid CIDR (the server's parser), a name the server refuses, a bad
  // table and a partner named twice, on different lines: all reported in one run, by line.
  auto specs = ParsePartnersCsv(
      "partner,tables,ip_access_list\n"
      "ok1,a.b.c,10.0.0.0/8\n"
      "cidr,a.b.c,10.0.0.0/33\n"
      "ok2,a.b.c,\n"
      "bad/name,a.b.c,\n"
      "table,sales_only,\n"
      "ok1,a.b.c,\n"
      "v6,a.b.c,2001:db8::/129;1.2.3.4\n");
  ASSERT_FALSE(specs);
  const std::string& m = specs.error().message;
  EXPECT_NE(m.find("5 problems"), std::string::npos) << m;
  EXPECT_NE(m.find("nothing was sent"), std::string::npos) << m;
  for (const char* line :
       {"line 3: ip_access_list", "line 5: partner", "line 6, column tables",
        "line 7: partner 'ok1' appears a second time", "line 8: ip_access_list"}) {
    EXPECT_NE(m.find(line), std::string::npos) << line << " missing in: " << m;
  }
  EXPECT_EQ(m.find("line 2"), std::string::npos) << m;
  EXPECT_EQ(m.find("line 4"), std::string::npos) << m;
  EXPECT_EQ(m.find("has no tables"), std::string::npos) << m;  // line 6 gave one, unreadable
}

TEST(AdminCliTest, AnExistingRecipientsMissingSettingsBecomeTheUpdateCommand) {
  PartnerSpec spec;
  spec.partner = "acme-gmbh";
  spec.properties = {{"country", "DE"}, {"region", "North West"}};
  spec.ip_access_list = {"203.0.113.0/24", "2001:db8::/48"};
  const Json bare = Json::parse(
      R"({"name": "acme-gmbh", "properties_kvpairs": {"properties": {}},
          "ip_access_list": {"allowed_ip_addresses": []}})");
  EXPECT_EQ(RecipientSettingsLeft(bare, spec),
            "lakeshare admin recipients update acme-gmbh --property country=DE "
            "--property 'region=North West' --ip 203.0.113.0/24 --ip 2001:db8::/48");
  // Held already (the list in another order, more properties kept): nothing.
  const Json held = Json::parse(
      R"({"properties_kvpairs": {"properties": {"country": "DE", "region": "North West",
                                                "tier": "gold"}},
          "ip_access_list": {"allowed_ip_addresses": ["2001:db8::/48", "203.0.113.0/24"]}})");
  EXPECT_EQ(RecipientSettingsLeft(held, spec), "");
  // A key held in another case is another property: the server resolves `@country` exactly, so
  // `COUNTRY` does not serve a `country=@country` filter and the update is still needed.
  const Json other_case = Json::parse(
      R"({"properties_kvpairs": {"properties": {"COUNTRY": "DE", "region": "North West"}},
          "ip_access_list": {"allowed_ip_addresses": ["2001:db8::/48", "203.0.113.0/24"]}})");
  EXPECT_EQ(RecipientSettingsLeft(other_case, spec),
            "lakeshare admin recipients update acme-gmbh --property country=DE");
  // Another value, one more address: only what differs.
  const Json other = Json::parse(
      R"({"properties_kvpairs": {"properties": {"country": "FR", "region": "North West"}},
          "ip_access_list": {"allowed_ip_addresses": ["203.0.113.0/24"]}})");
  EXPECT_EQ(RecipientSettingsLeft(other, spec),
            "lakeshare admin recipients update acme-gmbh --property country=DE "
            "--ip 203.0.113.0/24 --ip 2001:db8::/48");
  // Nothing asked: nothing to say, whatever the recipient holds.
  PartnerSpec none;
  none.partner = "acme-gmbh";
  EXPECT_EQ(RecipientSettingsLeft(other, none), "");
}

TEST(AdminCliTest, SharesGetShowsTheRowFilterColumnsAndMasksAsText) {
  // The demo's daily_sales filter, as the server returns it: a string holding the JSON.
  const Json demo = {{"row_filter", Json::parse(R"({"op": "equal", "children": [
      {"op": "column", "name": "country", "valueType": "string"},
      {"op": "recipientProperty", "name": "country", "valueType": "string"}]})")
                                        .dump()}};
  EXPECT_EQ(RowsAndColumnsCell(demo), "rows: country = @country");
  const Json predicate = Json::parse(R"({"op": "and", "children": [
      {"op": "greaterThanOrEqual", "children": [
          {"op": "column", "name": "date"},
          {"op": "literal", "value": "2024-05-01", "valueType": "date"}]},
      {"op": "or", "children": [
          {"op": "isNull", "children": [{"op": "column", "name": "brand"}]},
          {"op": "not", "children": [{"op": "lessThan", "children": [
              {"op": "column", "name": "units"},
              {"op": "literal", "value": "3", "valueType": "int"}]}]}]}]})");
  const Json nested = {{"row_filter", predicate.dump()},
                       {"columns", Json::array({"date", "units"})},
                       {"column_masks", Json{{"brand", "hash"}}}};
  EXPECT_EQ(RowsAndColumnsCell(nested),
            "rows: date >= '2024-05-01' AND (brand IS NULL OR NOT (units < 3)); "
            "columns: date, units; masks: brand=hash");
  // What the renderer does not know is shown as the JSON, never dropped.
  EXPECT_EQ(RowsAndColumnsCell(Json{{"row_filter", R"({"op":"in","children":[]})"}}),
            R"(rows: {"op":"in","children":[]})");
  EXPECT_EQ(RowsAndColumnsCell(Json{{"row_filter", "not json"}}), "rows: not json");
  // A quote inside a string literal is doubled, as SQL writes it.
  const Json quoted = Json::parse(R"({"op": "equal", "children": [
      {"op": "column", "name": "name"},
      {"op": "literal", "value": "O'Brien", "valueType": "string"}]})");
  EXPECT_EQ(RowsAndColumnsCell(Json{{"row_filter", quoted.dump()}}), "rows: name = 'O''Brien'");
  EXPECT_EQ(RowsAndColumnsCell(Json{{"name", "demo.retail.articles"}}), "");
}

TEST(AdminCliTest, TimeArgumentForms) {
  const int64_t now = 1'700'000'000'000;
  EXPECT_EQ(*ParseTimeArg("1700000000000", now), 1'700'000'000'000);
  EXPECT_EQ(*ParseTimeArg("24h", now), now - 24 * 3600 * 1000);
  EXPECT_EQ(*ParseTimeArg("7d", now), now - 7 * 86400 * 1000LL);
  EXPECT_EQ(*ParseTimeArg("90s", now), now - 90'000);
  EXPECT_EQ(*ParseTimeArg("90d", now, /*future=*/true), now + 90 * 86400 * 1000LL);
  EXPECT_EQ(*ParseTimeArg("2024-01-01", now), 1'704'067'200'000);
  EXPECT_EQ(*ParseTimeArg("2024-01-01T00:00:01.5Z", now), 1'704'067'201'500);
  auto bad = ParseTimeArg("yesterday", now);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("24h"), std::string::npos);
}

// A duration whose milliseconds, or now moved by them, pass int64 was multiplied and added
// unchecked (signed overflow: undefined behaviour, in practice a wrapped time years away).
TEST(AdminCliTest, ADurationTooLongForATimeIsRefused) {
  const int64_t now = 1'700'000'000'000;
  for (const char* text : {"9223372036854775807d", "106751991168d", "153722867280913m"}) {
    auto past = ParseTimeArg(text, now);
    ASSERT_FALSE(past) << text << " gave " << *past;
    EXPECT_NE(past.error().message.find("is not a time"), std::string::npos);
  }
  // 106751991167 days fit in int64 milliseconds, but not added to now.
  EXPECT_FALSE(ParseTimeArg("106751991167d", now, /*future=*/true));
  EXPECT_EQ(*ParseTimeArg("106751991167d", 0, /*future=*/true), 106751991167 * 86'400'000);
}

TEST(AdminCliTest, AListCellKeepsEveryItemInItsPlace) {
  // A leading empty item kept its place only by its separator, which was dropped: ["", "a"]
  // printed as ["a"] did.
  EXPECT_EQ(Cell(Json::parse(R"(["", "a"])")), ",a");
  EXPECT_EQ(Cell(Json::parse(R"(["", "", "a"])")), ",,a");
  EXPECT_EQ(Cell(Json::parse(R"(["a", ""])")), "a,");
  EXPECT_EQ(Cell(Json::parse(R"(["a", "b"])")), "a,b");
  EXPECT_EQ(Cell(Json::parse(R"([])")), "");
  EXPECT_EQ(Cell(Json::parse(R"({"properties": {"k": "v", "e": ""}})")), "k=v,e=");
}

TEST(AdminCliTest, TableIsAligned) {
  EXPECT_EQ(FormatTable({"NAME", "X"}, {{"a", "1"}, {"longer", ""}}),
            "NAME    X\n"
            "a       1\n"
            "longer\n");
}

TEST(AdminCliTest, ControlAndBidiCharactersInCellsAreShownEscaped) {
  // A partner chooses the text of an audit event's error ("'version' must be an integer, got
  // '1<LF>2026-...  deleteRecipient  admin  200'"): printed raw, it forged a line of
  // `lakeshare admin audit`, and ESC sequences rewrote the admin's terminal.
  std::string forged = "got '1\n2026-12-07T08:47:00.000Z  deleteRecipient  admin  200\x1b[2K\r'";
  std::string table = FormatTable({"ERROR"}, {{forged}});
  EXPECT_EQ(table,
            "ERROR\n"
            "got '1\\n2026-12-07T08:47:00.000Z  deleteRecipient  admin  200\\x1b[2K\\r'\n");
  EXPECT_EQ(FormatTable({"A", "B"}, {{"tab\there", "x"}}), "A          B\ntab\\there  x\n");
  // C1 controls (U+009B is a CSI), bidi overrides and invalid UTF-8 are shown as escapes too;
  // other UTF-8 text is kept.
  EXPECT_EQ(FormatTable({"N"}, {{"a\xc2\x9b"
                                 "b\xe2\x80\xae"
                                 "c\xff"
                                 "d\xc3\xa9"}}),
            "N\na\\u009bb\\u202ec\\xffd\xc3\xa9\n");
}

// Left by issue 13's review: `--json` printed the server's strings with their bidi overrides and
// C1 controls raw (the dump escapes only C0). They are "\u" escapes now: the same JSON value.
TEST(AdminCliTest, JsonOutputShowsControlAndBidiCharactersEscaped) {
  const Json doc = {{"name", "a\u202e"
                             "b\xc2\x9b"
                             "c\x7f"
                             "d\U000E0041"
                             "\u00e9"},
                    {"n", 1}};
  testing::internal::CaptureStdout();
  PrintJson(doc);
  const std::string shown = testing::internal::GetCapturedStdout();
  EXPECT_EQ(shown,
            "{\n  \"name\": \"a\\u202eb\\u009bc\\u007fd\\udb40\\udc41\u00e9\",\n  \"n\": 1\n}\n");
  EXPECT_EQ(Json::parse(shown), doc);
}

// Review of issue 13: `audit` printed the server's next_page_token raw to stderr (ESC and CR
// from a hostile --host reached the terminal), and a token that was no string threw
// nlohmann::type_error out of the command.
TEST(AdminCliTest, AuditSummaryShowsTheServersPageTokenEscaped) {
  Json page = {{"events", Json::array({Json::object(), Json::object()})},
               {"next_page_token", "bjE\x1b[2K\rok"}};
  EXPECT_EQ(AuditPageSummary(page, /*oldest_first=*/false),
            "2 events shown (newest first); more match: see the next ones with --page-token "
            "bjE\\x1b[2K\\rok (same filters), raise --limit, or export all with --jsonl\n");
  page["next_page_token"] = 42;
  EXPECT_EQ(AuditPageSummary(page, /*oldest_first=*/true),
            "2 events (oldest first); no more match\n");
  page.erase("next_page_token");
  EXPECT_EQ(AuditPageSummary(page, false), "2 events (newest first); no more match\n");
}

TEST(AdminCliTest, PathSegmentsAreEncoded) {
  EXPECT_EQ(EncodePathSegment("main.sales_x-1~"), "main.sales_x-1~");
  EXPECT_EQ(EncodePathSegment("a/b c?"), "a%2Fb%20c%3F");
}

}  // namespace
}  // namespace lakeshare::admin::cli
