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

TEST(DatabaseUri, HidesThePasswordsLibpqAcceptsInOtherForms) {
  // Found by review: a '?' inside the userinfo, a percent-encoded key, sslpassword, a '/'.
  EXPECT_EQ(redact_database_uri("postgresql://bob:pa?ssLEAK4@host/db"), "postgresql://bob:***@host/db");
  EXPECT_EQ(redact_database_uri("postgresql://bob@host/db?%70assword=LEAK3"),
            "postgresql://bob@host/db?%70assword=***");
  EXPECT_EQ(redact_database_uri("postgresql://h/db?sslmode=verify-full&sslpassword=LEAK2"),
            "postgresql://h/db?sslmode=verify-full&sslpassword=***");
  EXPECT_EQ(redact_database_uri("postgresql://bob:pa/ssLEAK1@host/db"), "postgresql://bob:***@host/db");
  EXPECT_EQ(redact_database_uri("postgresql://h/db?PASSWORD=x&"), "postgresql://h/db?PASSWORD=***&");
  for (const char* uri : {"postgresql://bob:pa?ssLEAK4@host/db", "postgresql://bob@host/db?%70assword=LEAK3",
                          "postgresql://h/db?sslpassword=LEAK2", "postgresql://bob:pa/ssLEAK1@host/db"})
    EXPECT_EQ(redact_database_uri(uri).find("LEAK"), std::string::npos) << uri;
}

}  // namespace
}  // namespace netboot
