#pragma once

// Shared by the manifest tests (tests/unit/object, tests/ipc): manifests Manifest::parse must
// refuse as Malformed, each at the offset of the line at fault.
#include <gtest/gtest.h>
#include <kernel/object/Manifest.h>

namespace ath::object::test_support {

struct MalformedManifest {
    const char* text;
    u64 offset;
};

inline void expect_malformed_at_offsets(std::initializer_list<MalformedManifest> cases)
{
    for (const auto& c : cases) {
        auto manifest = Manifest::parse(c.text);
        ASSERT_TRUE(manifest.is_error()) << c.text;
        EXPECT_EQ(manifest.error().code, ErrorCode::Malformed) << c.text;
        EXPECT_EQ(manifest.error().offset, c.offset) << c.text;
    }
}

} // namespace ath::object::test_support
