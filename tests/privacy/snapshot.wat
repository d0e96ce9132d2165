;; The module the snapshot unit tests (tests/unit/privacy) and bench/privacy reset: 1 MiB of
;; memory with two initialised pages, a mutable global, a table and a passive data segment.
(module
  (memory (export "memory") 16 64)
  (global $counter (export "counter") (mut i32) (i32.const 7))
  (table $table (export "table") 2 10 funcref)
  (elem (i32.const 0) $one $two)
  (data (i32.const 0) "pristine")
  (data (i32.const 65536) "second wasm page")
  (data $passive "passive segment")
  (func $one (result i32) i32.const 1)
  (func $two (result i32) i32.const 2)
  ;; Stores `value` into the first word of `count` 4 KiB pages from page `first`.
  (func (export "dirty") (param $first i32) (param $count i32) (param $value i32)
    (local $address i32)
    (local.set $address (i32.mul (local.get $first) (i32.const 4096)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $address) (local.get $value))
        (local.set $address (i32.add (local.get $address) (i32.const 4096)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))
  ;; Reads the first word of `count` pages from `first` and returns their sum (reads only).
  (func (export "sum") (param $first i32) (param $count i32) (result i32)
    (local $address i32) (local $sum i32)
    (local.set $address (i32.mul (local.get $first) (i32.const 4096)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $address))))
        (local.set $address (i32.add (local.get $address) (i32.const 4096)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "bump") (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func (export "clear_table") (table.set $table (i32.const 0) (ref.null func)))
  (func (export "grow_table") (result i32) (table.grow $table (ref.null func) (i32.const 3)))
  (func (export "call_table") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  ;; Copies the passive segment to `address` (traps once it was dropped).
  (func (export "init_passive") (param $address i32)
    (memory.init $passive (local.get $address) (i32.const 0) (i32.const 15)))
  (func (export "drop_passive") (data.drop $passive)))
