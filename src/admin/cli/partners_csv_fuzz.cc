// Fuzz target: any bytes as the partners file of `lakeshare admin onboard --csv` (a provider's
// spreadsheet export, so any encoding, quoting and line breaks): the CSV splitter, the partners
// parser, and the per-partner check the CLI runs before it sends anything. The only acceptable
// outcomes are partners or an Error naming the line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "admin/cli/partners_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace cli = lakeshare::admin::cli;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kAccepted = "fuzzing: an Error is an accepted outcome";
  lakeshare::IgnoreError(cli::ParseCsv(text), kAccepted);
  if (auto partners = cli::ParsePartnersCsv(text)) {
    for (const auto& partner : *partners) {
      lakeshare::IgnoreError(cli::ValidatePartner(partner), kAccepted);
    }
  }
  return 0;
}
