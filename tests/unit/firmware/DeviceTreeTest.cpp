#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

#include <kernel/firmware/DeviceTree.h>
#include <kernel/firmware/PciHostBridge.h>
#include <tests/support/RandomCorruption.h>

using namespace ath;
using namespace ath::firmware;

namespace {

// Writes flattened device trees for the tests, including deliberately broken ones.
class FdtBuilder {
public:
    void begin_node(const std::string& name)
    {
        token(1);
        for (char c : name)
            m_structure.push_back(static_cast<u8>(c));
        m_structure.push_back(0);
        pad();
    }
    void end_node() { token(2); }
    void property(const std::string& name, const std::vector<u8>& value)
    {
        token(3);
        be32(m_structure, static_cast<u32>(value.size()));
        be32(m_structure, string_offset(name));
        m_structure.insert(m_structure.end(), value.begin(), value.end());
        pad();
    }
    void property_u32s(const std::string& name, const std::vector<u32>& cells)
    {
        std::vector<u8> value;
        for (u32 c : cells)
            be32(value, c);
        property(name, value);
    }
    void property_strings(const std::string& name, const std::vector<std::string>& strings)
    {
        std::vector<u8> value;
        for (auto& s : strings) {
            value.insert(value.end(), s.begin(), s.end());
            value.push_back(0);
        }
        property(name, value);
    }
    void nop() { token(4); }
    void end() { token(9); }
    void raw_token(u32 t) { token(t); }

    std::vector<u8> build(u32 version = 17) const
    {
        std::vector<u8> blob;
        u32 header = 40;
        u32 reserve_map = header;
        u32 structure = reserve_map + 16; // one empty reservation entry
        u32 strings = structure + static_cast<u32>(m_structure.size());
        u32 total = strings + static_cast<u32>(m_strings.size());
        be32(blob, DeviceTree::magic);
        be32(blob, total);
        be32(blob, structure);
        be32(blob, strings);
        be32(blob, reserve_map);
        be32(blob, version);
        be32(blob, 16);
        be32(blob, 0);
        be32(blob, static_cast<u32>(m_strings.size()));
        be32(blob, static_cast<u32>(m_structure.size()));
        blob.resize(blob.size() + 16, 0);
        blob.insert(blob.end(), m_structure.begin(), m_structure.end());
        blob.insert(blob.end(), m_strings.begin(), m_strings.end());
        return blob;
    }

    static void be32(std::vector<u8>& out, u32 v)
    {
        out.push_back(static_cast<u8>(v >> 24));
        out.push_back(static_cast<u8>(v >> 16));
        out.push_back(static_cast<u8>(v >> 8));
        out.push_back(static_cast<u8>(v));
    }

private:
    void token(u32 t) { be32(m_structure, t); }
    void pad()
    {
        while (m_structure.size() % 4)
            m_structure.push_back(0);
    }
    u32 string_offset(const std::string& name)
    {
        u32 offset = static_cast<u32>(m_strings.size());
        m_strings.insert(m_strings.end(), name.begin(), name.end());
        m_strings.push_back(0);
        return offset;
    }

    std::vector<u8> m_structure;
    std::vector<u8> m_strings;
};

std::vector<u8> sample_tree()
{
    FdtBuilder b;
    b.begin_node("");
    b.property_u32s("#address-cells", { 2 });
    b.property_u32s("#size-cells", { 2 });
    b.property_strings("compatible", { "linux,dummy-virt" });
    b.begin_node("memory@40000000");
    b.property_strings("device_type", { "memory" });
    b.property_u32s("reg", { 0, 0x40000000, 0, 0x20000000 });
    b.end_node();
    b.nop();
    b.begin_node("soc");
    b.property_u32s("#address-cells", { 1 });
    b.property_u32s("#size-cells", { 1 });
    b.begin_node("pl011@9000000");
    b.property_strings("compatible", { "arm,pl011", "arm,primecell" });
    b.property_u32s("reg", { 0x09000000, 0x1000, 0x09001000, 0x100 });
    b.end_node();
    b.end_node();
    b.begin_node("chosen");
    b.property_strings("stdout-path", { "/soc/pl011@9000000" });
    b.end_node();
    b.end_node();
    b.end();
    return b.build();
}

Result<DeviceTree> parse(const std::vector<u8>& blob) { return DeviceTree::create(ReadonlyBytes(blob.data(), blob.size())); }

} // namespace

TEST(DeviceTree, FindsNodesAndDecodesReg)
{
    auto blob = sample_tree();
    auto tree_or_error = parse(blob);
    ASSERT_FALSE(tree_or_error.is_error()) << tree_or_error.error().reason;
    auto& tree = tree_or_error.value();

    auto memory = tree.find_path("/memory");
    ASSERT_TRUE(memory.has_value());
    EXPECT_EQ(memory->name(), StringView("memory@40000000"));
    auto window = memory->reg(0);
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(window->address, 0x40000000u);
    EXPECT_EQ(window->size, 0x20000000u);
    EXPECT_FALSE(memory->reg(1).has_value());

    auto uart = tree.find_compatible("arm,primecell");
    ASSERT_TRUE(uart.has_value());
    EXPECT_EQ(uart->name(), StringView("pl011@9000000"));
    ASSERT_TRUE(uart->reg(1).has_value());
    EXPECT_EQ(uart->reg(1)->address, 0x09001000u); // 1-cell address from /soc
    EXPECT_EQ(uart->reg(1)->size, 0x100u);

    auto chosen = tree.find_path("/chosen");
    ASSERT_TRUE(chosen.has_value());
    EXPECT_EQ(*chosen->property_string("stdout-path"), StringView("/soc/pl011@9000000"));
    EXPECT_TRUE(tree.find_path("/soc/pl011@9000000").has_value());
    EXPECT_FALSE(tree.find_path("/soc/pl011@9000001").has_value());
    EXPECT_FALSE(tree.find_path("/nothing").has_value());
    EXPECT_FALSE(tree.find_path("relative").has_value());
    EXPECT_FALSE(tree.find_compatible("ns16550a").has_value());
    EXPECT_TRUE(tree.root().is_compatible("linux,dummy-virt"));

    int count = 0;
    tree.for_each_node([&](const DeviceTreeNode&) {
        ++count;
        return true;
    });
    EXPECT_EQ(count, 5); // root, memory, soc, pl011, chosen
}

TEST(DeviceTree, RejectsBadHeaders)
{
    auto blob = sample_tree();
    EXPECT_TRUE(parse(std::vector<u8>(blob.begin(), blob.begin() + 39)).is_error());

    auto bad_magic = blob;
    bad_magic[0] ^= 0xff;
    auto r = parse(bad_magic);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code, ErrorCode::Malformed);
    EXPECT_EQ(r.error().offset, 0u);

    // totalsize claims more than the buffer holds.
    EXPECT_TRUE(parse(std::vector<u8>(blob.begin(), blob.end() - 4)).is_error());

    auto old_version = sample_tree();
    old_version[23] = 16;
    EXPECT_TRUE(parse(old_version).is_error());

    auto structure_out = blob;
    structure_out[8] = 0x7f; // structure offset far outside
    EXPECT_TRUE(parse(structure_out).is_error());

    auto strings_wrap = blob;
    strings_wrap[32] = strings_wrap[33] = strings_wrap[34] = strings_wrap[35] = 0xff; // strings size huge
    EXPECT_TRUE(parse(strings_wrap).is_error());
}

TEST(DeviceTree, RejectsBadStructure)
{
    {
        FdtBuilder b; // no FDT_END
        b.begin_node("");
        b.end_node();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
    {
        FdtBuilder b; // unbalanced: END before the root closes
        b.begin_node("");
        b.begin_node("a");
        b.end_node();
        b.end();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
    {
        FdtBuilder b; // stray END_NODE
        b.begin_node("");
        b.end_node();
        b.end_node();
        b.end();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
    {
        FdtBuilder b; // unknown token
        b.begin_node("");
        b.raw_token(0x77);
        b.end_node();
        b.end();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
    {
        FdtBuilder b; // root with a name
        b.begin_node("root");
        b.end_node();
        b.end();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
    {
        FdtBuilder b; // too deep
        b.begin_node("");
        for (int i = 0; i < 40; ++i)
            b.begin_node("n");
        for (int i = 0; i < 40; ++i)
            b.end_node();
        b.end_node();
        b.end();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
    {
        FdtBuilder b; // second root
        b.begin_node("");
        b.end_node();
        b.begin_node("");
        b.end_node();
        b.end();
        EXPECT_TRUE(parse(b.build()).is_error());
    }
}

TEST(DeviceTree, RejectsPropertyLengthAndNameOutOfBounds)
{
    auto blob = sample_tree();
    auto tree = parse(blob);
    ASSERT_FALSE(tree.is_error());
    // Find the first FDT_PROP token and corrupt its length, then its name offset.
    u32 structure = (u32(blob[8]) << 24) | (u32(blob[9]) << 16) | (u32(blob[10]) << 8) | blob[11];
    usize prop = structure + 8; // BEGIN_NODE + empty name padded
    ASSERT_EQ(blob[prop + 3], 3);
    auto long_value = blob;
    long_value[prop + 4] = 0x7f;
    EXPECT_TRUE(parse(long_value).is_error());
    auto bad_name = blob;
    bad_name[prop + 8] = 0x7f;
    EXPECT_TRUE(parse(bad_name).is_error());
}

TEST(DeviceTree, MalformedRegAndCellsAreRefusedNotMisread)
{
    FdtBuilder b;
    b.begin_node("");
    b.property_u32s("#address-cells", { 3 }); // unsupported width
    b.begin_node("dev@0");
    b.property_u32s("reg", { 1, 2, 3, 4 });
    b.end_node();
    b.begin_node("short");
    b.end_node();
    b.end_node();
    b.end();
    auto blob = b.build();
    auto tree = parse(blob);
    ASSERT_FALSE(tree.is_error());
    auto dev = tree.value().find_path("/dev");
    ASSERT_TRUE(dev.has_value());
    EXPECT_FALSE(dev->reg(0).has_value());
    EXPECT_FALSE(dev->property_u32("reg").has_value()); // 16 bytes, not one cell
    EXPECT_FALSE(dev->reg(~usize(0)).has_value());
}

TEST(DeviceTree, RandomCorruptionNeverCrashes)
{
    int accepted = 0;
    test_support::for_each_random_corruption(sample_tree(), 1234, 5000, 1, 4, 8, [&](const std::vector<u8>& mutated) {
        auto tree = parse(mutated);
        if (tree.is_error())
            return;
        ++accepted;
        // Whatever was accepted must be fully walkable.
        tree.value().for_each_node([](const DeviceTreeNode& node) {
            (void)node.reg(0);
            (void)node.is_compatible("x");
            node.for_each_child([](const DeviceTreeNode&) { });
            return true;
        });
        (void)tree.value().find_path("/soc/pl011@9000000");
    });
    EXPECT_GT(accepted, 0); // some mutations only touch values and must still parse
}

namespace {

// QEMU riscv64 virt's PCIe host node (its ECAM at 0x30000000, I/O, 32-bit and 64-bit windows).
std::vector<u8> pci_tree(std::vector<u32> bus_range, std::vector<u32> ranges, u32 address_cells = 3)
{
    FdtBuilder b;
    b.begin_node("");
    b.property_u32s("#address-cells", { 2 });
    b.property_u32s("#size-cells", { 2 });
    b.begin_node("pci@30000000");
    b.property_strings("compatible", { "pci-host-ecam-generic" });
    b.property_u32s("#address-cells", { address_cells });
    b.property_u32s("#size-cells", { 2 });
    b.property_u32s("reg", { 0, 0x30000000, 0, 0x10000000 });
    if (!bus_range.empty())
        b.property_u32s("bus-range", bus_range);
    b.property_u32s("ranges", ranges);
    b.end_node();
    b.end_node();
    b.end();
    return b.build();
}

const std::vector<u32> virt_ranges = {
    0x01000000, 0, 0, 0, 0x03000000, 0, 0x10000,
    0x02000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000,
    0x43000000, 4, 0, 4, 0, 4, 0,
};

} // namespace

TEST(DeviceTree, PciHostBridgeFromTheEcamNode)
{
    auto blob = pci_tree({ 0, 0xff }, virt_ranges);
    auto tree = parse(blob).release_value();
    auto host = pci_host_bridge(tree);
    ASSERT_FALSE(host.is_error()) << host.error().reason;
    EXPECT_EQ(host.value().ecam_base, 0x30000000u);
    EXPECT_EQ(host.value().bus_start, 0);
    EXPECT_EQ(host.value().bus_end, 255);
    ASSERT_EQ(host.value().windows.size(), 3u);
    auto& io = host.value().windows[0];
    EXPECT_EQ(io.kind, pci::WindowKind::Io);
    EXPECT_EQ(io.pci_base, 0u);
    EXPECT_EQ(io.cpu_base, 0x3000000u);
    EXPECT_EQ(io.size, 0x10000u);
    EXPECT_EQ(host.value().windows[1].kind, pci::WindowKind::Memory32);
    EXPECT_EQ(host.value().windows[1].cpu_base, 0x40000000u);
    auto& high = host.value().windows[2];
    EXPECT_EQ(high.kind, pci::WindowKind::Memory64);
    EXPECT_TRUE(high.prefetchable);
    EXPECT_EQ(high.pci_base, 0x400000000u);
    EXPECT_EQ(high.size, 0x400000000u);
}

TEST(DeviceTree, PciHostBridgeRefusesWhatTheBindingForbids)
{
    auto no_node = sample_tree();
    EXPECT_EQ(pci_host_bridge(parse(no_node).release_value()).error().code, ErrorCode::NotFound);
    auto reversed = pci_tree({ 4, 3 }, virt_ranges);
    EXPECT_EQ(pci_host_bridge(parse(reversed).release_value()).error().code, ErrorCode::Malformed);
    auto beyond_reg = pci_tree({ 0, 0x100 }, virt_ranges); // 257 buses in a 256-bus reg
    EXPECT_EQ(pci_host_bridge(parse(beyond_reg).release_value()).error().code, ErrorCode::Malformed);
    auto partial = pci_tree({ 0, 0xff }, std::vector<u32>(virt_ranges.begin(), virt_ranges.end() - 1));
    EXPECT_EQ(pci_host_bridge(parse(partial).release_value()).error().code, ErrorCode::Malformed);
    auto two_cells = pci_tree({ 0, 0xff }, virt_ranges, 2);
    EXPECT_EQ(pci_host_bridge(parse(two_cells).release_value()).error().code, ErrorCode::Malformed);
    auto wrapping = pci_tree({ 0, 0xff }, { 0x02000000, 0, 0, 0xffffffff, 0xffff0000, 0, 0x20000 });
    EXPECT_EQ(pci_host_bridge(parse(wrapping).release_value()).error().code, ErrorCode::Malformed);
}
