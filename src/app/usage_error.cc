#include "app/usage_error.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace lakeshare::app {
namespace {

constexpr std::string_view kHidden = "<value>";
constexpr size_t kLongestShownWord = 24;

bool IsPlainShortWord(std::string_view word) {
  if (word.empty() || word.size() > kLongestShownWord) return false;
  return std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string DescribeUnexpectedWords(const std::vector<std::string>& words) {
  std::string out;
  bool after_option = false;
  for (const std::string& word : words) {
    if (!out.empty()) out.push_back(' ');
    if (word.size() > 1 && word[0] == '-') {
      size_t eq = word.find('=');
      std::string_view name = std::string_view(word).substr(0, eq);
      out.append(IsPlainShortWord(name) ? name : kHidden);
      if (eq != std::string::npos) out.append("=").append(kHidden);
      after_option = eq == std::string::npos;
      continue;
    }
    out.append(!after_option && IsPlainShortWord(word) ? std::string_view(word) : kHidden);
    after_option = false;
  }
  return out;
}

}  // namespace lakeshare::app
