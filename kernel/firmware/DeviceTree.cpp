#include "DeviceTree.h"

#include <kernel/lib/Bits.h>

namespace ath::firmware {

namespace {

constexpr u32 token_begin_node = 1;
constexpr u32 token_end_node = 2;
constexpr u32 token_property = 3;
constexpr u32 token_nop = 4;
constexpr u32 token_end = 9;

constexpr usize header_size = 40; // ten big-endian u32 fields (version 17)

u32 read_be32(ReadonlyBytes bytes, usize offset)
{
    return byte_swap(load_le<u32>(bytes.slice(offset, 4).data()));
}

// Length of the NUL-terminated string at `offset`, none if no NUL before the end of `bytes`.
Optional<usize> string_length(ReadonlyBytes bytes, usize offset)
{
    for (usize i = offset; i < bytes.size(); ++i) {
        if (bytes[i] == 0)
            return i - offset;
    }
    return none;
}

usize align4(usize value) { return (value + 3) & ~usize(3); }

Error malformed(usize offset, const char* reason) { return Error::at(ErrorCode::Malformed, offset, reason); }

} // namespace

Result<DeviceTree> DeviceTree::create(ReadonlyBytes blob)
{
    if (blob.size() < header_size)
        return malformed(0, "device tree: blob smaller than its header");
    if (read_be32(blob, 0) != magic)
        return malformed(0, "device tree: bad magic");
    u32 total_size = read_be32(blob, 4);
    u32 structure_offset = read_be32(blob, 8);
    u32 strings_offset = read_be32(blob, 12);
    u32 version = read_be32(blob, 20);
    u32 last_compatible_version = read_be32(blob, 24);
    u32 boot_cpu = read_be32(blob, 28);
    u32 strings_size = read_be32(blob, 32);
    u32 structure_size = read_be32(blob, 36);

    if (total_size < header_size || total_size > blob.size())
        return malformed(4, "device tree: totalsize outside the blob");
    if (version < 17 || last_compatible_version > 17)
        return malformed(20, "device tree: unsupported version (need v17 compatible)");
    if (!range_within<u64>(structure_offset, structure_size, total_size) || (structure_offset % 4) != 0
        || (structure_size % 4) != 0)
        return malformed(8, "device tree: structure block outside the blob or misaligned");
    if (!range_within<u64>(strings_offset, strings_size, total_size))
        return malformed(12, "device tree: strings block outside the blob");

    DeviceTree tree;
    tree.m_blob = blob.slice(0, total_size);
    tree.m_structure = tree.m_blob.slice(structure_offset, structure_size);
    tree.m_strings = tree.m_blob.slice(strings_offset, strings_size);
    tree.m_boot_cpu_id = boot_cpu;

    // One pass over every token: after it, token_at() and friends cannot leave the block.
    ReadonlyBytes s = tree.m_structure;
    usize offset = 0;
    usize depth = 0;
    bool root_seen = false;
    bool root_closed = false;
    while (true) {
        if (offset + 4 > s.size())
            return malformed(structure_offset + offset, "device tree: structure block ends without FDT_END");
        u32 token = read_be32(s, offset);
        usize here = structure_offset + offset;
        offset += 4;
        switch (token) {
        case token_nop:
            break;
        case token_begin_node: {
            if (root_closed)
                return malformed(here, "device tree: node after the root node");
            auto length = string_length(s, offset);
            if (!length.has_value())
                return malformed(here, "device tree: unterminated node name");
            if (!root_seen && *length != 0)
                return malformed(here, "device tree: root node must have an empty name");
            root_seen = true;
            if (++depth > max_depth)
                return malformed(here, "device tree: nodes nested too deeply");
            offset = align4(offset + *length + 1);
            break;
        }
        case token_end_node:
            if (depth == 0)
                return malformed(here, "device tree: FDT_END_NODE without a matching node");
            if (--depth == 0)
                root_closed = true;
            break;
        case token_property: {
            if (depth == 0)
                return malformed(here, "device tree: property outside any node");
            if (offset + 8 > s.size())
                return malformed(here, "device tree: truncated property header");
            u32 length = read_be32(s, offset);
            u32 name_offset = read_be32(s, offset + 4);
            offset += 8;
            if (!range_within<u64>(offset, length, s.size()))
                return malformed(here, "device tree: property value runs past the structure block");
            if (name_offset >= tree.m_strings.size() || !string_length(tree.m_strings, name_offset).has_value())
                return malformed(here, "device tree: property name outside the strings block");
            offset = align4(offset + length);
            break;
        }
        case token_end:
            if (!root_closed || depth != 0)
                return malformed(here, "device tree: FDT_END before the root node closed");
            return tree;
        default:
            return malformed(here, "device tree: unknown structure token");
        }
        if (offset > s.size())
            return malformed(here, "device tree: token runs past the structure block");
    }
}

DeviceTree::Token DeviceTree::token_at(usize offset) const
{
    while (true) {
        u32 token = read_be32(m_structure, offset);
        offset += 4;
        switch (token) {
        case token_nop:
            continue;
        case token_begin_node: {
            usize length = *string_length(m_structure, offset);
            StringView name(reinterpret_cast<const char*>(m_structure.data() + offset), length);
            return { Token::Kind::BeginNode, align4(offset + length + 1), name, {} };
        }
        case token_end_node:
            return { Token::Kind::EndNode, offset, {}, {} };
        case token_property: {
            u32 length = read_be32(m_structure, offset);
            u32 name_offset = read_be32(m_structure, offset + 4);
            offset += 8;
            usize name_length = *string_length(m_strings, name_offset);
            StringView name(reinterpret_cast<const char*>(m_strings.data() + name_offset), name_length);
            return { Token::Kind::Property, align4(offset + length), name, m_structure.slice(offset, length) };
        }
        default:
            return { Token::Kind::End, offset, {}, {} };
        }
    }
}

usize DeviceTree::skip_node(usize offset_after_name) const
{
    usize depth = 1;
    usize offset = offset_after_name;
    while (depth > 0) {
        auto token = token_at(offset);
        if (token.kind == Token::Kind::BeginNode)
            ++depth;
        else if (token.kind == Token::Kind::EndNode)
            --depth;
        else if (token.kind == Token::Kind::End)
            return offset; // unreachable for validated blobs; stay put rather than run on
        offset = token.next;
    }
    return offset;
}

DeviceTreeNode DeviceTree::root() const
{
    auto token = token_at(0);
    return DeviceTreeNode(*this, token.next, token.name, 2, 1);
}

Optional<DeviceTreeNode> DeviceTree::find_path(StringView path) const
{
    if (path.is_empty() || path[0] != '/')
        return none;
    Optional<DeviceTreeNode> current = root();
    bool lost = false;
    for_each_split(path, '/', [&](StringView component) {
        if (lost)
            return;
        Optional<DeviceTreeNode> found;
        bool has_unit_address = component.find('@').has_value();
        current->for_each_child([&](const DeviceTreeNode& child) {
            if (found.has_value())
                return;
            StringView name = child.name();
            if (name == component
                || (!has_unit_address && name.length() > component.length() && name.starts_with(component)
                    && name[component.length()] == '@'))
                found = child;
        });
        if (found.has_value())
            current = found;
        else
            lost = true;
    });
    if (lost)
        return none;
    return current;
}

Optional<DeviceTreeNode> DeviceTree::find_compatible(StringView compatible) const
{
    Optional<DeviceTreeNode> found;
    for_each_node([&](const DeviceTreeNode& node) {
        if (node.is_compatible(compatible)) {
            found = node;
            return false;
        }
        return true;
    });
    return found;
}

Optional<ReadonlyBytes> DeviceTreeNode::property(StringView name) const
{
    usize offset = m_offset;
    while (true) {
        auto token = m_tree->token_at(offset);
        if (token.kind != DeviceTree::Token::Kind::Property)
            return none;
        if (token.name == name)
            return token.value;
        offset = token.next;
    }
}

Optional<u32> DeviceTreeNode::property_u32(StringView name) const
{
    auto value = property(name);
    if (!value.has_value() || value->size() != 4)
        return none;
    return read_be32(*value, 0);
}

Optional<StringView> DeviceTreeNode::property_string(StringView name) const
{
    auto value = property(name);
    if (!value.has_value())
        return none;
    auto length = string_length(*value, 0);
    if (!length.has_value())
        return none;
    return StringView(reinterpret_cast<const char*>(value->data()), *length);
}

bool DeviceTreeNode::is_compatible(StringView compatible) const
{
    auto value = property("compatible");
    if (!value.has_value())
        return false;
    usize offset = 0;
    while (offset < value->size()) {
        auto length = string_length(*value, offset);
        if (!length.has_value())
            return false;
        if (StringView(reinterpret_cast<const char*>(value->data() + offset), *length) == compatible)
            return true;
        offset += *length + 1;
    }
    return false;
}

u32 DeviceTreeNode::child_address_cells() const { return property_u32("#address-cells").value_or(2); }
u32 DeviceTreeNode::child_size_cells() const { return property_u32("#size-cells").value_or(1); }

Optional<RegEntry> DeviceTreeNode::reg(usize index) const
{
    u32 address_cells = m_parent_address_cells;
    u32 size_cells = m_parent_size_cells;
    if (address_cells == 0 || address_cells > 2 || size_cells > 2)
        return none;
    auto value = property("reg");
    if (!value.has_value())
        return none;
    usize entry_size = usize(address_cells + size_cells) * 4;
    auto product = checked_mul<usize>(index, entry_size);
    if (!product.has_value() || !range_within<usize>(*product, entry_size, value->size()))
        return none;
    auto read_cells = [&](usize offset, u32 cells) {
        u64 result = 0;
        for (u32 i = 0; i < cells; ++i)
            result = (result << 32) | read_be32(*value, offset + usize(i) * 4);
        return result;
    };
    usize start = *product;
    return RegEntry { read_cells(start, address_cells), read_cells(start + usize(address_cells) * 4, size_cells) };
}

} // namespace ath::firmware
