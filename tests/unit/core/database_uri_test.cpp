#include "core/database_uri.hpp"

#include <gtest/gtest.h>

namespace netboot {
namespace {

TEST(DatabaseUri, RecognisesBothLibpqSchemesAndNothingElse) {
  EXPECT_TRUE(is_database_uri("postgresql://db.example/leases"));
  EXPECT_TRUE(is_database_uri("postgres:///leases?host=/run/postgresql"));
  EXPECT_FALSE(is_database_uri("/var/lib/netbootd/leases.db"));
  EXPECT_FALSE(is_database_uri("leases.db"));
  EXPECT_FALSE(is_database_uri("mysql://db/leases"));
}

TEST(DatabaseUri, NeverShowsAPassword) {
  EXPECT_EQ(redact_database_uri("postgresql://netbootd:s3cr%40t@db.example:5432/leases"),
            "postgresql://netbootd:***@db.example:5432/leases");
  EXPECT_EQ(redact_database_uri("postgres://u:p@h/d?sslmode=require&password=other&x=1"),
            "postgres://u:***@h/d?sslmode=require&password=***&x=1");
  EXPECT_EQ(redact_database_uri("postgresql:///leases?password=abc"), "postgresql:///leases?password=***");
  EXPECT_EQ(redact_database_uri("postgresql://netbootd@db/leases"), "postgresql://netbootd@db/leases");
  EXPECT_EQ(redact_database_uri("postgresql:///leases?host=/tmp/x"), "postgresql:///leases?host=/tmp/x");
  EXPECT_EQ(redact_database_uri("/var/lib/netbootd/leases.db"), "/var/lib/netbootd/leases.db");
}

}  // namespace
}  // namespace netboot
