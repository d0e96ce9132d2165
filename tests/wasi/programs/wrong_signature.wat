;; fd_write imported with the wrong type: "incompatible import type", not a call with garbage.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $write (i64.const 0)))))
