;; A branch out of a block must drop the operands pushed inside it (found by seed 349).
(module
  (func (export "v128_then_br") (result i32)
    i32.const 7
    block
      i32.const 1
      v128.const i64x2 0x1111111111111111 0x2222222222222222
      br 0
    end)
  (func (export "br_from_nested_loop") (result i32)
    i32.const 7
    block
      i32.const 1
      v128.const i64x2 0x1111111111111111 0x2222222222222222
      loop
        block
          br 2
        end
      end
      unreachable
    end)
  (func (export "i64_then_br") (result i32)
    i32.const 7
    block
      i32.const 1
      i64.const 0x3333333333333333
      loop
        br 1
      end
      unreachable
    end)
  (func (export "br_if_taken") (result i32)
    i32.const 7
    block
      i32.const 5
      i32.const 1
      br_if 0
      drop
    end)
  (func (export "br_table_with_value") (result i32)
    block (result i32)
      i32.const 9
      i32.const 8
      i32.const 0
      br_table 0 0
    end))
