;; Multi-value blocks, loops with parameters and branches that carry values past extra operands.
(module
  (func (export "block_params") (result i32 i32)
    i32.const 1
    i32.const 2
    block (param i32 i32) (result i32 i32)
      i32.const 100
      drop
    end)
  (func (export "br_with_values_over_extras") (result i64 i32) (local i32)
    i64.const 5
    drop
    block (result i64 i32)
      i32.const 99
      i64.const 7
      i32.const 8
      br 0
    end
    i32.const 3
    i32.add
    local.set 0
    i64.const 1
    i64.add
    local.get 0)
  (func (export "br_if_keeps_values") (result i32)
    block (result i32)
      i32.const 42
      i32.const 0
      br_if 0
      i32.const 1
      i32.add
    end)
  (func (export "loop_with_param") (result i32)
    (local i32)
    i32.const 0
    loop (param i32) (result i32)
      i32.const 1
      i32.add
      local.tee 0
      local.get 0
      i32.const 10
      i32.lt_u
      br_if 0
    end)
  (func (export "br_table_multi") (result i32 i64)
    block (result i32 i64)
      block (result i32 i64)
        i32.const 3
        i64.const 4
        i32.const 1
        br_table 0 1
      end
      drop
      i64.const 9
    end)
  (func (export "v128_through_branches") (result i32)
    block (result v128)
      v128.const i32x4 1 2 3 4
      i32.const 0
      br_if 0
      v128.const i32x4 5 6 7 8
      i32x4.add
    end
    i32x4.extract_lane 3))
