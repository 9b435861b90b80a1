// How `lakeshare` describes command-line words its parser did not expect, without echoing a
// secret: a mistyped `--tokn VALUE` or `--signing-keyy=VALUE` must not print VALUE to a terminal,
// a CI log or a shell history scraper. Thread-safe: pure functions.
#pragma once

#include <string>
#include <vector>

namespace lakeshare::app {

/// The words, in order, with each value hidden as `<value>`: the part after '=' of an option,
/// the word after an option, and any bare word that is long or holds more than letters, digits,
/// '-', '_' and '.' (a token, a key, a URL with credentials). Short plain words (a mistyped
/// subcommand such as `lst`) stay, so the message still says what was wrong.
std::string DescribeUnexpectedWords(const std::vector<std::string>& words);

}  // namespace lakeshare::app
