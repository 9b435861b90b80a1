// The behaviour every ObjectStore backend must share, as a value-parameterized GoogleTest suite.
// object_store_contract_test.cc holds the TEST_Ps; a test binary instantiates them with
// INSTANTIATE_TEST_SUITE_P(Backend, ObjectStoreContractTest, testing::Values(StoreFactory{...})).
// Each factory call must return an empty store of its own.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/object_store.h"

namespace lakeshare::storage {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<ObjectStore>()> make;
  /// Optional: a non-empty reason makes every test skip (e.g. no S3 server available).
  std::function<std::string()> skip_reason = nullptr;
};

inline std::string PrintToString(const StoreFactory& factory) { return factory.name; }

class ObjectStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    if (GetParam().skip_reason) {
      std::string reason = GetParam().skip_reason();
      if (!reason.empty()) {
        GTEST_SKIP() << reason;
      }
    }
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<ObjectStore> store_;
};

/// Names instantiations after the factory ("Local", "Memory", "S3").
inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

}  // namespace lakeshare::storage
