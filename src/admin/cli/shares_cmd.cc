// `lakeshare admin shares ...` (create, list, get, update, delete, add-table, remove-table)
// and `lakeshare admin share-permissions get|update`.

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {

namespace {

/// How a table is shared: the data_object of a share update (UC SharedDataObject).
struct ShareTableFlags {
  std::string shared_as;
  bool with_history = false;
  bool cdf = false;
  int64_t start_version = -1;
  std::string comment;
  std::vector<std::string> partitions;  // COLUMN=VALUE or COLUMN=@KEY
  std::string row_filter;               // Lakeshare extensions (issue 11)
  std::vector<std::string> columns;
  std::vector<std::string> masks;       // COLUMN=hash|null

  /// row_filter, columns and column_masks of the data object, when given.
  CallResult<void> Extend(Json& object) const {
    SetIfGiven(object, "row_filter", row_filter);
    if (!columns.empty()) {
      object["columns"] = columns;
    }
    for (const std::string& m : masks) {
      const size_t eq = m.find('=');
      if (eq == std::string::npos || eq == 0) {
        return tl::unexpected(UsageError("--mask takes COLUMN=hash or COLUMN=null, got '" + m + "'"));
      }
      object["column_masks"][m.substr(0, eq)] = m.substr(eq + 1);
    }
    return {};
  }

  void Add(CLI::App* cmd) {
    cmd->add_option("--as", shared_as, "Name recipients see, schema.table (default: the source's)");
    cmd->add_flag("--with-history", with_history,
                  "Share the table's history: time travel and the change data feed");
    cmd->add_flag("--cdf", cdf, "Share the change data feed (implies --with-history)");
    cmd->add_option("--start-version", start_version, "Lowest version recipients may read");
    cmd->add_option("--comment", comment, "Comment");
    cmd->add_option("--partition", partitions,
                    "Share only a partition: COLUMN=VALUE, or COLUMN=@KEY for the value of each "
                    "recipient's property KEY (repeat: all must hold)");
    cmd->add_option("--row-filter", row_filter,
                    "Rows recipients read: a predicate in the protocol's JSON predicate language, "
                    "with {\"op\":\"recipientProperty\",\"name\":KEY,\"valueType\":...} leaves "
                    "for each recipient's property (a recipient without it reads no row)");
    cmd->add_option("--column", columns, "A column recipients see (repeat; default: all)");
    cmd->add_option("--mask", masks,
                    "COLUMN=hash (keyed hash of a string column) or COLUMN=null (repeat)");
  }
};

}  // namespace

CallResult<Json> PartitionsJson(const std::vector<PartitionItem>& items) {
  if (items.empty()) {
    return Json();
  }
  Json values = Json::array();
  for (const PartitionItem& p : items) {
    Json v = {{"name", p.column}, {"op", "EQUAL"}};
    if (p.from_property) {
      v["recipient_property_key"] = p.value;
    } else {
      v["value"] = p.value;
    }
    values.push_back(std::move(v));
  }
  return Json::array({Json{{"values", std::move(values)}}});
}

Json DataObject(const std::string& table, bool history, bool cdf, const std::string& shared_as,
                int64_t start_version, const std::string& comment, const Json& partitions) {
  Json o = {{"name", table}, {"data_object_type", "TABLE"}};
  o["history_data_sharing_status"] = history || cdf ? "ENABLED" : "DISABLED";
  if (cdf) {
    o["cdf_enabled"] = true;
  }
  SetIfGiven(o, "shared_as", shared_as);
  if (start_version >= 0) {
    o["start_version"] = start_version;
  }
  SetIfGiven(o, "comment", comment);
  if (!partitions.is_null()) {
    o["partitions"] = partitions;
  }
  return o;
}

namespace {

std::string PartitionsCell(const Json& partitions) {
  std::string out;
  for (const Json& p : partitions) {
    std::string conj;
    if (const Json* values = Lookup(p, "values")) {
      for (const Json& v : *values) {
        conj += conj.empty() ? "" : " AND ";
        conj += Cell(v.value("name", Json())) + " " + Cell(v.value("op", Json("EQUAL"))) + " ";
        if (v.contains("recipient_property_key")) {
          conj += "@" + Cell(v["recipient_property_key"]);
        } else {
          conj += Cell(v.value("value", Json()));
        }
      }
    }
    out += out.empty() ? "" : " OR ";
    out += conj;
  }
  return out;
}

/// A string as SQL writes it: quoted, an inner `'` doubled, so `O'Brien` cannot read as the
/// literal ending early.
std::string SqlStringLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += c;
  }
  return out + "'";
}

/// A row filter (the protocol's JSON predicate, with recipientProperty leaves) as one line of
/// SQL-like text, `country = @country`; the JSON itself when it holds something else.
std::string PredicateText(const Json& node, int depth) {
  static const std::map<std::string, std::string, std::less<>> kInfix = {
      {"equal", " = "},       {"lessThan", " < "},     {"lessThanOrEqual", " <= "},
      {"greaterThan", " > "}, {"greaterThanOrEqual", " >= "}, {"and", " AND "}, {"or", " OR "}};
  const std::string op = node.is_object() ? node.value("op", "") : "";
  const Json* children = node.is_object() ? Lookup(node, "children") : nullptr;
  std::vector<std::string> parts;
  if (children != nullptr && children->is_array() && depth < 16) {
    for (const Json& c : *children) {
      std::string text = PredicateText(c, depth + 1);
      const std::string child_op = c.is_object() ? c.value("op", "") : "";
      parts.push_back(child_op == "and" || child_op == "or" ? "(" + text + ")" : text);
    }
  }
  if (op == "column" && node.contains("name")) return Cell(node["name"]);
  if (op == "recipientProperty" && node.contains("name")) return "@" + Cell(node["name"]);
  if (op == "literal" && node.contains("value")) {
    const std::string type = node.value("valueType", "");
    return type == "string" || type == "date" || type == "timestamp"
               ? SqlStringLiteral(Cell(node["value"]))
               : Cell(node["value"]);
  }
  if (op == "isNull" && parts.size() == 1) return parts[0] + " IS NULL";
  if (op == "not" && parts.size() == 1) return "NOT (" + parts[0] + ")";
  if (auto infix = kInfix.find(op); infix != kInfix.end() && parts.size() >= 2) {
    return Join(parts, infix->second);
  }
  return node.dump();
}

}  // namespace

std::string RowsAndColumnsCell(const Json& o) {
  std::vector<std::string> parts;
  if (const Json* filter = Lookup(o, "row_filter"); filter && filter->is_string()) {
    const Json predicate = Json::parse(filter->get<std::string>(), nullptr, false);
    parts.push_back("rows: " + (predicate.is_discarded() ? filter->get<std::string>()
                                                          : PredicateText(predicate, 0)));
  }
  if (const Json* columns = Lookup(o, "columns"); columns && columns->is_array()) {
    std::vector<std::string> names;
    for (const Json& c : *columns) names.push_back(Cell(c));
    parts.push_back("columns: " + Join(names, ", "));
  }
  if (const Json* masks = Lookup(o, "column_masks"); masks && masks->is_object()) {
    std::vector<std::string> items;
    for (const auto& [column, how] : masks->items()) items.push_back(column + "=" + Cell(how));
    parts.push_back("masks: " + Join(items, ", "));
  }
  return Join(parts, "; ");
}

namespace {

/// Whether the table's changes are served (history or CDF shared AND the table's change data
/// feed on), as the server reports it; the sharing flag alone would claim CDF for a table
/// without a change data feed.
std::string ChangesCell(const Json& o) {
  if (const Json* served = Lookup(o, "changes_served"); served && served->is_boolean()) {
    return served->get<bool>() ? "true" : "false";
  }
  return "unknown";
}

void PrintShare(const Json& share) {
  PrintObject(share, {"objects"});
  if (const Json* objects = Lookup(share, "objects"); objects && objects->is_array()) {
    std::printf("\n");
    std::vector<std::vector<std::string>> rows;
    for (const Json& o : *objects) {
      rows.push_back({Cell(o.value("name", Json())), Cell(o.value("shared_as", Json())),
                      Cell(o.value("history_data_sharing_status", Json())), ChangesCell(o),
                      PartitionsCell(o.value("partitions", Json::array())),
                      RowsAndColumnsCell(o), Cell(o.value("status", Json()))});
    }
    std::fputs(FormatTable({"OBJECT", "SHARED AS", "HISTORY", "CDF", "PARTITIONS",
                            "ROWS AND COLUMNS", "STATUS"},
                           rows)
                   .c_str(),
               stdout);
  }
}

CallResult<void> GetShare(Api& api, const GlobalOptions& g, const std::string& name) {
  return Show(api.Uc("GET", "shares/" + EncodePathSegment(name), {{"include_shared_data", "true"}}),
              g, PrintShare);
}

CallResult<void> AddTable(const std::string& share, const std::string& table,
                          const ShareTableFlags& flags, Api& api, const GlobalOptions& g) {
  std::vector<PartitionItem> parts;
  for (const std::string& p : flags.partitions) {
    auto item = ParsePartitionItem(table + ":" + p);
    if (!item) {
      return tl::unexpected(UsageError(item.error().message));
    }
    parts.push_back(std::move(*item));
  }
  auto partitions = PartitionsJson(parts);
  if (!partitions) {
    return tl::unexpected(partitions.error());
  }
  Json object = DataObject(table, flags.with_history, flags.cdf, flags.shared_as,
                           flags.start_version, flags.comment, *partitions);
  if (auto extended = flags.Extend(object); !extended) {
    return tl::unexpected(extended.error());
  }
  Json body = {{"updates", Json::array({Json{{"action", "ADD"}, {"data_object", object}}})}};
  return Done(api.Uc("PATCH", "shares/" + EncodePathSegment(share), {}, &body), g,
              fmt::format("table {} added to share {}", table, share));
}

void AddAddTable(CLI::App* noun) {
  auto o = std::make_shared<std::pair<std::string, std::string>>();
  auto flags = std::make_shared<ShareTableFlags>();
  auto* c = Verb(noun, "add-table", "Add a registered table to a share",
                 [o, flags](Api& api, const GlobalOptions& g) {
                   return AddTable(o->first, o->second, *flags, api, g);
                 });
  c->add_option("SHARE", o->first, "Share name")->required();
  c->add_option("TABLE", o->second, "catalog.schema.table")->required();
  flags->Add(c);
}

void AddRemoveTable(CLI::App* noun) {
  auto o = std::make_shared<std::pair<std::string, std::string>>();
  auto* c = Verb(
      noun, "remove-table", "Remove a table from a share", [o](Api& api, const GlobalOptions& g) {
        Json body = {
            {"updates",
             Json::array(
                 {Json{{"action", "REMOVE"},
                       {"data_object", {{"name", o->second}, {"data_object_type", "TABLE"}}}}})}};
        return Done(api.Uc("PATCH", "shares/" + EncodePathSegment(o->first), {}, &body), g,
                    fmt::format("table {} removed from share {}", o->second, o->first));
      });
  c->add_option("SHARE", o->first, "Share name")->required();
  c->add_option("TABLE", o->second, "catalog.schema.table (or the name it is shared as)")
      ->required();
}

}  // namespace

void AddShareCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "shares", "Shares (groups of tables granted to partners)");
  const Collection shares{std::string(kUcPrefix) + "shares", "share", "NAME", "Share name"};
  CreateVerb(noun, "Create a share", shares, [](const std::string& name) {
    return fmt::format(
        "share {} created; add tables with `lakeshare admin shares add-table {} "
        "CATALOG.SCHEMA.TABLE`",
        name, name);
  });
  ListVerb(
      noun, "List shares", shares, "shares",
      {{"NAME", "name"}, {"OWNER", "owner"}, {"COMMENT", "comment"}, {"CREATED", "created_at"}});
  NamedVerb(noun, "get", "Show a share and its tables", shares.label, shares.help, GetShare);
  UpdateVerb(noun, "Rename a share or change its comment or owner", shares);
  DeleteVerb(noun, "Delete a share (recipients lose access at once)", shares);
  AddAddTable(noun);
  AddRemoveTable(noun);
}

void AddSharePermissionCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "share-permissions", "Which recipients may read a share (SELECT)");
  const std::vector<Column> columns = {{"PRINCIPAL", "principal"}, {"PRIVILEGES", "privileges"}};
  {
    auto name = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "List the recipients granted a share",
                   [name, columns](Api& api, const GlobalOptions& g) {
                     return ShowList(ListAll(api,
                                             std::string(kUcPrefix) + "shares/" +
                                                 EncodePathSegment(*name) + "/permissions",
                                             {}, "privilege_assignments"),
                                     g, "privilege_assignments", columns);
                   });
    c->add_option("SHARE", *name, "Share name")->required();
  }
  {
    struct Opts {
      std::string share;
      std::vector<std::string> grant, revoke;
    };
    auto o = std::make_shared<Opts>();
    auto* c = Verb(noun, "update", "Grant or revoke SELECT on a share",
                   [o, columns](Api& api, const GlobalOptions& g) -> CallResult<void> {
                     if (o->grant.empty() && o->revoke.empty()) {
                       return tl::unexpected(
                           UsageError("nothing to change: give --grant RECIPIENT and/or "
                                      "--revoke RECIPIENT"));
                     }
                     Json changes = Json::array();
                     for (const std::string& r : o->grant) {
                       changes.push_back({{"principal", r}, {"add", {"SELECT"}}});
                     }
                     for (const std::string& r : o->revoke) {
                       changes.push_back({{"principal", r}, {"remove", {"SELECT"}}});
                     }
                     Json body = {{"changes", changes}};
                     return Show(
                         api.Uc("PATCH", "shares/" + EncodePathSegment(o->share) + "/permissions",
                                {}, &body),
                         g, [&](const Json& r) {
                           if (const Json* a = Lookup(r, "privilege_assignments")) {
                             PrintRows(*a, columns);
                           } else {
                             std::printf("permissions of share %s updated\n", o->share.c_str());
                           }
                         });
                   });
    c->add_option("SHARE", o->share, "Share name")->required();
    c->add_option("--grant", o->grant, "Recipient to grant SELECT (repeatable)");
    c->add_option("--revoke", o->revoke, "Recipient to revoke SELECT from (repeatable)");
  }
}

}  // namespace lakeshare::admin::cli
