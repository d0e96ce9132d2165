#pragma once

// A read-only view of a flattened device tree (DTB, devicetree spec v0.4 "FDT"), as the firmware
// hands it to the kernel on aarch64 and riscv64.
//
// `DeviceTree::create` checks the whole blob once — header, block bounds, every token, node-name and
// property bounds, string offsets, nesting — so the queries afterwards cannot read outside it. A
// corrupt or hostile blob gets an Error naming the offset and the reason, never a crash.
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>

namespace ath::firmware {

class DeviceTree;

// A register window of a node, decoded with its parent's #address-cells / #size-cells.
struct RegEntry {
    u64 address;
    u64 size;
};

class DeviceTreeNode {
public:
    StringView name() const { return m_name; } // e.g. "uart@9000000"; "" for the root
    // The raw bytes of a property, none when the node lacks it.
    Optional<ReadonlyBytes> property(StringView name) const;
    Optional<u32> property_u32(StringView name) const;
    // The first string of a string or string-list property.
    Optional<StringView> property_string(StringView name) const;
    // True when `compatible` lists this string.
    bool is_compatible(StringView compatible) const;
    // The index-th (address, size) pair of `reg`; none when absent or malformed.
    Optional<RegEntry> reg(usize index) const;

    // Cells used by this node's children to encode `reg` (spec defaults 2 and 1), and the cells
    // of this node's own `reg` (its parent's), which `ranges` uses for the parent's addresses.
    u32 parent_address_cells() const { return m_parent_address_cells; }
    u32 child_address_cells() const;
    u32 child_size_cells() const;

    template<typename Callback>
    void for_each_child(Callback callback) const;

private:
    friend class DeviceTree;
    DeviceTreeNode(const DeviceTree& tree, usize offset, StringView name, u32 parent_address_cells, u32 parent_size_cells)
        : m_tree(&tree), m_offset(offset), m_name(name), m_parent_address_cells(parent_address_cells), m_parent_size_cells(parent_size_cells)
    {
    }

    const DeviceTree* m_tree;
    usize m_offset; // offset of the node's first token after its name, inside the struct block
    StringView m_name;
    u32 m_parent_address_cells;
    u32 m_parent_size_cells;
};

class DeviceTree {
public:
    static constexpr u32 magic = 0xd00dfeed;
    static constexpr usize max_depth = 32;

    static Result<DeviceTree> create(ReadonlyBytes blob);

    DeviceTreeNode root() const;
    // Looks up an absolute path like "/soc/serial@10000000" or "/chosen". A component without a
    // unit address ("/memory") matches a node named "memory" or "memory@...".
    Optional<DeviceTreeNode> find_path(StringView path) const;
    // The first node (in document order) whose `compatible` lists the string.
    Optional<DeviceTreeNode> find_compatible(StringView compatible) const;
    // Calls callback(DeviceTreeNode) for every node in document order; stop by returning false.
    template<typename Callback>
    void for_each_node(Callback callback) const;

    usize total_size() const { return m_blob.size(); }
    u32 boot_cpu_id() const { return m_boot_cpu_id; }

private:
    friend class DeviceTreeNode;

    struct Token {
        enum class Kind : u8 { BeginNode, EndNode, Property, End };
        Kind kind;
        usize next;          // offset of the following token
        StringView name;     // node name or property name
        ReadonlyBytes value; // property value
    };

    // Only called on already validated blobs: cannot fail.
    Token token_at(usize offset) const;
    usize skip_node(usize offset_after_name) const;

    ReadonlyBytes m_blob;
    ReadonlyBytes m_structure;
    ReadonlyBytes m_strings;
    u32 m_boot_cpu_id { 0 };
};

template<typename Callback>
void DeviceTreeNode::for_each_child(Callback callback) const
{
    usize offset = m_offset;
    while (true) {
        auto token = m_tree->token_at(offset);
        if (token.kind == DeviceTree::Token::Kind::Property) {
            offset = token.next;
            continue;
        }
        if (token.kind != DeviceTree::Token::Kind::BeginNode)
            return;
        DeviceTreeNode child(*m_tree, token.next, token.name, child_address_cells(), child_size_cells());
        callback(child);
        offset = m_tree->skip_node(token.next);
    }
}

template<typename Callback>
void DeviceTree::for_each_node(Callback callback) const
{
    struct Frame {
        u32 address_cells;
        u32 size_cells;
    };
    Frame stack[max_depth + 1];
    usize depth = 0;
    usize offset = 0;
    stack[0] = { 2, 1 };
    while (true) {
        auto token = token_at(offset);
        switch (token.kind) {
        case Token::Kind::BeginNode: {
            DeviceTreeNode node(*this, token.next, token.name, stack[depth].address_cells, stack[depth].size_cells);
            if (!callback(node))
                return;
            ++depth;
            stack[depth] = { node.child_address_cells(), node.child_size_cells() };
            break;
        }
        case Token::Kind::EndNode:
            if (depth == 0)
                return;
            --depth;
            break;
        case Token::Kind::Property:
            break;
        case Token::Kind::End:
            return;
        }
        offset = token.next;
    }
}

} // namespace ath::firmware
