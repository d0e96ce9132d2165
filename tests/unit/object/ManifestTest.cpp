#include "MalformedManifests.h"
#include "ObjectTestSupport.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <kernel/object/Event.h>
#include <kernel/object/ObjectDirectory.h>

using namespace ath;
using namespace ath::object;

namespace {

TEST(Manifest, ParsesNameAndHandles)
{
    auto manifest = Manifest::parse("# the console client\nname=console-client\nhandle = endpoint:console:call\n"
                                    "handle=region:fb:read+map # shared framebuffer\n\n");
    ASSERT_FALSE(manifest.is_error()) << manifest.error().reason;
    EXPECT_EQ(manifest.value().name, StringView("console-client"));
    ASSERT_EQ(manifest.value().handles.size(), 2u);
    EXPECT_EQ(manifest.value().handles[0].kind, ObjectType::Endpoint);
    EXPECT_EQ(manifest.value().handles[0].object_name, StringView("console"));
    EXPECT_EQ(manifest.value().handles[0].rights, Rights::Call);
    EXPECT_EQ(manifest.value().handles[1].rights, Rights::Read | Rights::Map);
}

// `tier` pins the engine tier (kernel/process/ExecutionTier.h); without it the kernel decides.
TEST(Manifest, ParsesTier)
{
    EXPECT_EQ(Manifest::parse("name=a\n").value().tier, ManifestTier::Default);
    EXPECT_EQ(Manifest::parse("name=a\ntier = compiled\n").value().tier, ManifestTier::Compiled);
    EXPECT_EQ(Manifest::parse("name=a\ntier=compiled\ntier=interp\n").value().tier, ManifestTier::Interpreter);
    auto bad = Manifest::parse("name=a\ntier=jit\n");
    ASSERT_TRUE(bad.is_error());
    EXPECT_STREQ(bad.error().reason, "manifest: tier must be compiled or interp");
    EXPECT_EQ(bad.error().offset, 7u);
}

TEST(Manifest, RejectsMalformedLinesWithTheirOffset)
{
    test_support::expect_malformed_at_offsets({
        { "name=a\nhandle=endpoint:console\n", 7 },
        { "name=a\nhandle=socket:x:read\n", 7 },
        { "name=a\nhandle=endpoint:x:read+fly\n", 7 },
        { "name=a\nhandle=endpoint:x:read++call\n", 7 },
        { "name=a\nhandle=endpoint::call\n", 7 },
        { "name=a\nbogus=1\n", 7 },
        { "name=a\njust words\n", 7 },
        { "name=a\nname=b\n", 7 },
        { "name=has space\n", 0 },
    });
    EXPECT_TRUE(Manifest::parse("handle=endpoint:x:call\n").is_error()); // no name
}

struct GrantTest : ::testing::Test, test_support::ObjectWorld {
    // Installs `object` in `publisher`'s table with every right and publishes it under `name`;
    // the handle.
    Handle install_and_publish(ObjectDirectory& directory, ProcessObject& publisher, StringView name, Object& object)
    {
        Handle handle = publisher.handles().install(object, Rights::All).release_value();
        EXPECT_FALSE(directory.publish(name, publisher.handles(), handle).is_error()) << name.characters();
        return handle;
    }
};

TEST_F(GrantTest, GrantsOnlyWhatTheManifestNamesAndSupervisorCanRevoke)
{
    auto supervisor = ProcessObject::create(allocator, space, "init").release_value();
    auto app = ProcessObject::create(allocator, space, "app").release_value();
    auto logs = Event::create(allocator, waiting).release_value();
    auto secrets = Event::create(allocator, waiting).release_value();
    ObjectDirectory directory;
    Handle logs_handle = install_and_publish(directory, *supervisor, "logs", *logs);
    Handle secrets_handle = install_and_publish(directory, *supervisor, "secrets", *secrets);

    auto manifest = Manifest::parse("name=app\nhandle=event:logs:write\n").release_value();
    auto granted = directory.grant(manifest, *app);
    ASSERT_FALSE(granted.is_error());
    ASSERT_EQ(granted.value().size(), 1u);
    Handle logs_in_app = granted.value()[0];
    EXPECT_EQ(app->handles().rights_of(logs_in_app).value(), Rights::Write);
    EXPECT_EQ(app->handles().live_count(), 1u);

    // Every number the app could try: none reaches the secrets event.
    for (u32 index = 0; index < HandleTable::capacity; ++index) {
        for (u32 generation = 1; generation < 4; ++generation) {
            auto found = app->handles().lookup<Event>(HandleTable::encode(index, generation), Rights::None);
            if (!found.is_error())
                EXPECT_NE(found.value().object.get(), secrets.get());
        }
    }
    EXPECT_TRUE(app->handles().lookup<Event>(secrets_handle, Rights::None).is_error() ||
        app->handles().lookup<Event>(secrets_handle, Rights::None).value().object.get() != secrets.get());

    // The supervisor ends the lease.
    EXPECT_EQ(supervisor->handles().revoke(logs_handle).value(), 2u);
    EXPECT_EQ(app->handles().lookup<Event>(logs_in_app, Rights::None).error().code, ErrorCode::BadHandle);
    app->terminate();
    supervisor->terminate();
}

TEST_F(GrantTest, RefusesWholeManifestWhenOneLineIsWrong)
{
    auto supervisor = ProcessObject::create(allocator, space, "init").release_value();
    auto app = ProcessObject::create(allocator, space, "app").release_value();
    auto logs = Event::create(allocator, waiting).release_value();
    Handle logs_handle = supervisor->handles().install(*logs, Rights::Read | Rights::Write | Rights::Transfer).release_value();
    Handle no_transfer = supervisor->handles().install(*logs, Rights::Read).release_value();
    ObjectDirectory directory;
    ASSERT_FALSE(directory.publish("logs", supervisor->handles(), logs_handle).is_error());
    EXPECT_EQ(directory.publish("plain", supervisor->handles(), no_transfer).error().code, ErrorCode::PermissionDenied);
    EXPECT_EQ(directory.publish("logs", supervisor->handles(), logs_handle).error().code, ErrorCode::AlreadyExists);

    struct Case {
        const char* text;
        ErrorCode code;
    } cases[] = {
        { "name=app\nhandle=event:logs:read\nhandle=event:nothere:read\n", ErrorCode::NotFound },
        { "name=app\nhandle=event:logs:read\nhandle=endpoint:logs:call\n", ErrorCode::NotFound }, // names are per kind
        { "name=app\nhandle=event:logs:read\nhandle=event:logs:revoke\n", ErrorCode::PermissionDenied },
    };
    for (auto& c : cases) {
        auto manifest = Manifest::parse(c.text).release_value();
        auto granted = directory.grant(manifest, *app);
        ASSERT_TRUE(granted.is_error()) << c.text;
        EXPECT_EQ(granted.error().code, c.code) << c.text;
        EXPECT_EQ(app->handles().live_count(), 0u) << c.text;
    }
    app->terminate();
    supervisor->terminate();
}

} // namespace

// A module may serve an endpoint under its own name (`serves = adder` in module `adder`): the
// directory keeps one namespace per kind, so the process and the endpoint do not collide, and a
// manifest line's kind picks which one it gets.
TEST_F(GrantTest, EachKindHasItsOwnNames)
{
    auto supervisor = ProcessObject::create(allocator, space, "init").release_value();
    auto adder = ProcessObject::create(allocator, space, "adder").release_value();
    auto asker = ProcessObject::create(allocator, space, "asker").release_value();
    auto door = Event::create(allocator, waiting).release_value();
    ObjectDirectory directory;
    install_and_publish(directory, *supervisor, "adder", *adder);
    Handle event_handle = install_and_publish(directory, *supervisor, "adder", *door);
    EXPECT_EQ(directory.publish("adder", supervisor->handles(), event_handle).error().code, ErrorCode::AlreadyExists);

    auto manifest = Manifest::parse("name=asker\nhandle=event:adder:write\nhandle=process:adder:read\n").release_value();
    auto granted = directory.grant(manifest, *asker);
    ASSERT_FALSE(granted.is_error());
    ASSERT_EQ(granted.value().size(), 2u);
    EXPECT_EQ(asker->handles().lookup<Event>(granted.value()[0], Rights::Write).value().object.get(), door.get());
    EXPECT_EQ(asker->handles().lookup<ProcessObject>(granted.value()[1], Rights::Read).value().object.get(), adder.get());
    ManifestHandle missing_kind { ObjectType::Endpoint, "adder", Rights::Call };
    EXPECT_EQ(directory.grant_one(missing_kind, *asker).error().code, ErrorCode::NotFound); // not published (yet)

    ASSERT_FALSE(directory.unpublish(ObjectType::Event, "adder").is_error());
    EXPECT_EQ(directory.unpublish(ObjectType::Event, "adder").error().code, ErrorCode::NotFound);
    ManifestHandle process_line { ObjectType::Process, "adder", Rights::Read };
    EXPECT_FALSE(directory.grant_one(process_line, *asker).is_error()); // the other kind stays
    asker->terminate();
    adder->terminate();
    supervisor->terminate();
}

// docs/processes.md "Manifest reference" is the format's documentation: every key the parser
// knows, with the value syntax and default the parser's table gives, and no key it does not know.
TEST(ManifestReference, ReferenceTableMatchesTheParser)
{
    std::ifstream file(std::string(AZOTH_SOURCE_DIR) + "/docs/processes.md");
    ASSERT_TRUE(file.good()) << "docs/processes.md not found";
    std::map<std::string, std::vector<std::string>> rows;
    bool in_section = false;
    for (std::string line; std::getline(file, line);) {
        if (line.rfind("## ", 0) == 0) {
            in_section = line == "## Manifest reference";
            continue;
        }
        if (!in_section || line.rfind("| `", 0) != 0)
            continue;
        std::vector<std::string> cells;
        std::stringstream stream(line.substr(1));
        for (std::string cell; std::getline(stream, cell, '|');) {
            auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
            cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        }
        ASSERT_GE(cells.size(), 3u) << line;
        std::string key = cells[0].substr(1, cells[0].size() - 2); // strip the backquotes
        EXPECT_TRUE(rows.emplace(key, cells).second) << "listed twice: " << key;
    }
    usize expected = 0;
    for (auto& info : manifest_keys) {
        ++expected;
        std::string key(info.name.characters(), info.name.length());
        auto row = rows.find(key);
        ASSERT_NE(row, rows.end()) << "docs/processes.md does not list manifest key " << key;
        EXPECT_EQ(row->second[1], std::string(info.value.characters(), info.value.length())) << key;
        EXPECT_EQ(row->second[2], std::string(info.default_text.characters(), info.default_text.length())) << key;
    }
    for (auto& kind : resource_kinds) {
        ++expected;
        std::string key(kind.manifest_key.characters(), kind.manifest_key.length());
        EXPECT_NE(rows.find(key), rows.end()) << "docs/processes.md does not list manifest key " << key;
    }
    EXPECT_EQ(rows.size(), expected) << "docs/processes.md lists a key the parser does not know";
    // The parser knows every listed key (manifest_keys' among them): a line with it is never
    // "unknown key".
    for (auto& [key, cells] : rows) {
        std::string text = "name=app\n" + key + " = 1\n";
        auto parsed = Manifest::parse(StringView(text.c_str(), text.size()));
        if (parsed.is_error())
            EXPECT_STRNE(parsed.error().reason, "manifest: unknown key") << key;
    }
}
