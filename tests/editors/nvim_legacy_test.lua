-- Headless check of editors/nvim/lua/dlint_legacy.lua on Neovim 0.7 to 0.10 (run by tests/lsp_e2e.rs):
--   nvim --headless -u NONE -c "luafile tests/editors/nvim_legacy_test.lua"   (in a directory with a Dockerfile)
-- Env: DLINT_BIN (the dlint binary), DLINT_REPO (the repository root).
-- Prints "client started", the diagnostics received, and "RESULT ok" or "RESULT fail: ...".
local repo = os.getenv('DLINT_REPO')
local bin = os.getenv('DLINT_BIN')
local out = function(s) io.stdout:write(s .. '\n') end
local function finish(ok, why)
  out(ok and 'RESULT ok' or ('RESULT fail: ' .. why))
  pcall(function() require('dlint_legacy').stop() end)
  vim.cmd(ok and 'qa!' or 'cq!')
end

vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
vim.cmd('filetype on')

-- lsp/dlint.lua (Neovim 0.11+ vim.lsp.config) at least loads and has the expected shape.
local okc, conf = pcall(dofile, repo .. '/editors/nvim/lsp/dlint.lua')
if not okc then return finish(false, 'lsp/dlint.lua: ' .. tostring(conf)) end
if not (vim.deep_equal(conf.cmd, { 'dlint', 'server' }) and vim.deep_equal(conf.filetypes, { 'dockerfile' })
    and vim.deep_equal(conf.root_markers, { 'dlint.toml', '.dlint.toml', '.git' })) then
  return finish(false, 'lsp/dlint.lua: unexpected ' .. vim.inspect(conf))
end
out('lsp/dlint.lua: ok')

local got = nil
local orig = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result and result.diagnostics and #result.diagnostics > 0 then
    got = result
  end
  return orig(err, result, ctx, config)
end

local ok, dl = pcall(require, 'dlint_legacy')
if not ok then return finish(false, 'require failed: ' .. tostring(dl)) end

-- Record what start_client is called with.
local seen_cmd
local real_start = vim.lsp.start_client
vim.lsp.start_client = function(cfg)
  seen_cmd = cfg.cmd
  return real_start(cfg)
end

dl.setup({ cmd = { bin, 'server' }, settings = { ignore = { 'missing-dockerignore' } } })

-- Opening the file sets filetype=dockerfile, whose FileType autocmd (from setup) starts the client.
vim.cmd('edit Dockerfile')
local buf = vim.api.nvim_get_current_buf()
if vim.bo[buf].filetype ~= 'dockerfile' then return finish(false, 'filetype is ' .. vim.bo[buf].filetype) end
-- Clients show in buf_get_clients once initialized.
vim.wait(10000, function() return next(vim.lsp.buf_get_clients(buf)) ~= nil end, 20)
local id = next(vim.lsp.buf_get_clients(buf))
if id == nil then return finish(false, 'no client attached and initialized within 10 s') end
if seen_cmd == nil or seen_cmd[1] ~= bin or seen_cmd[2] ~= 'server' then
  return finish(false, 'start_client cmd: ' .. vim.inspect(seen_cmd))
end
out('client started: id=' .. id .. ' cmd=' .. table.concat(seen_cmd, ' '))
local id2 = dl.start(buf)
if id2 ~= id then return finish(false, 'start(bufnr) returned ' .. tostring(id2) .. ', expected ' .. id) end

local received = vim.wait(15000, function() return got ~= nil end, 50)
if not received then return finish(false, 'no diagnostics within 15 s') end
local codes = {}
for _, d in ipairs(got.diagnostics) do
  out(string.format('%s:%d:%d: [%s] %s', vim.fn.fnamemodify(vim.uri_to_fname(got.uri), ':t'),
    d.range.start.line + 1, d.range.start.character + 1, tostring(d.code), d.message:gsub('\n.*', '')))
  codes[tostring(d.code)] = true
end
if codes['missing-dockerignore'] or codes['D501'] then
  return finish(false, 'settings.ignore was not applied (missing-dockerignore reported)')
end
-- A quick fix for the ADD line (line 2).
local add
for _, d in ipairs(got.diagnostics) do
  if d.range.start.line == 1 then add = d end
end
if add then
  local resp = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) }, range = add.range,
    context = { diagnostics = { add } },
  }, 5000)
  for _, r in pairs(resp or {}) do
    for _, a in ipairs(r.result or {}) do out('code action: ' .. a.title .. ' (' .. tostring(a.kind) .. ')') end
  end
end
finish(true)
