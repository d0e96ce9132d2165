;; A module that imports a WASI function that does not exist: linking must fail cleanly.
(module
  (import "wasi_snapshot_preview1" "no_such_function" (func $bogus (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $bogus (i32.const 0)))))
