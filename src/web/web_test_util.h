// What the tests of web/ share: a GET dispatched through a router, and a router that refuses
// every request needing authentication (the public pages must answer without it).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/result.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace lakeshare::web::test {

inline http::Response Get(const http::Router& router, const std::string& target) {
  auto request = http::Request::Create("GET", target, {}, {}, "127.0.0.1");
  EXPECT_TRUE(request) << target;
  return router.Dispatch(*request);
}

/// Answer kUnauthenticated to every route that needs authentication.
inline void RefuseAuthentication(http::Router& router) {
  router.SetAuthenticator(
      [](http::Request&) -> Status { return Errorf(ErrorCode::kUnauthenticated, "no"); });
}

}  // namespace lakeshare::web::test
