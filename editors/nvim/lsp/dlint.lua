---@brief
---
--- https://github.com/dlint-dev/dlint
---
--- dlint, a Dockerfile linter and optimizer, as a language server: diagnostics, quick fixes,
--- `source.fixAll.dlint` and hover. Install the `dlint` binary (`pipx install dlint-cli`, a release
--- binary, or `cargo install --path .` in a
--- clone of the repository) and put this file on your 'runtimepath' as `lsp/dlint.lua`
--- (Neovim 0.11+), then:
---
--- ```lua
--- vim.lsp.enable('dlint')
--- ```
---
--- Settings (all optional) are applied on top of the closest `dlint.toml`, like command-line flags:
---
--- ```lua
--- vim.lsp.config('dlint', {
---   settings = {
---     dlint = {
---       select = { 'ALL' },          -- like --select (codes, names, DL aliases, categories)
---       ignore = { 'latest-tag' },   -- like --ignore
---       unsafeFixes = false,         -- source.fixAll.dlint also applies unsafe fixes
---     },
---   },
--- })
--- ```

---@type vim.lsp.Config
return {
  cmd = { 'dlint', 'server' },
  filetypes = { 'dockerfile' },
  root_markers = { 'dlint.toml', '.dlint.toml', '.git' },
}
