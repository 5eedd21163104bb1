-- dlint language server for Neovim before 0.11 (tested on 0.7.2), without nvim-lspconfig.
--
--   require('dlint_legacy').setup({
--     cmd = { 'dlint', 'server' },                 -- default
--     settings = { ignore = { 'latest-tag' } },    -- optional: select, extendSelect, ignore, unsafeFixes
--     on_attach = function(client, bufnr) end,     -- optional
--   })
--
-- setup() adds a FileType autocmd for dockerfile buffers (and makes `*.dockerfile`,
-- `*.Containerfile` and `dockerfile` files dockerfile buffers, which Neovim 0.7 does not), and
-- attaches the buffers already open. start(bufnr) attaches one buffer and returns the client id.
-- One client runs per root directory (the closest directory with dlint.toml, .dlint.toml or .git;
-- else the file's directory).
--
-- On Neovim 0.11+ use lsp/dlint.lua with vim.lsp.enable('dlint') instead.

local M = {}

local defaults = {
  name = 'dlint',
  cmd = { 'dlint', 'server' },
  filetypes = { 'dockerfile' },
  root_markers = { 'dlint.toml', '.dlint.toml', '.git' },
  -- dlint settings: { select = {...}, extendSelect = {...}, ignore = {...}, unsafeFixes = bool }.
  -- Sent as initializationOptions and as the `dlint` section of workspace/configuration.
  settings = nil,
  on_attach = nil,
  capabilities = nil,
  handlers = nil,
}

M.config = vim.deepcopy(defaults)

-- root_dir -> client id
local clients = {}

local uv = vim.loop

local function exists(p)
  return uv.fs_stat(p) ~= nil
end

local function dirname(p)
  local d = p:match('^(.*)/[^/]*$')
  if d == nil or d == '' then
    return '/'
  end
  return d
end

--- The root directory for a file: the closest ancestor holding a root marker, else its directory.
function M.root_dir(fname)
  local start
  if fname == nil or fname == '' then
    start = uv.cwd()
  else
    start = dirname(vim.fn.fnamemodify(fname, ':p'))
  end
  local dir = start
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if exists(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = dirname(dir)
    if parent == dir then
      break
    end
    dir = parent
  end
  return start
end

local function alive(id)
  local c = id and vim.lsp.get_client_by_id(id)
  if c == nil then
    return false
  end
  -- `c.is_stopped()` on 0.7, `c:is_stopped()` later: passing c works for both.
  local ok, stopped = pcall(c.is_stopped, c)
  return not (ok and stopped)
end

--- Starts (or reuses) the dlint client for the buffer's root and attaches the buffer.
--- Returns the client id, or nil when the server could not be started.
function M.start(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local cfg = M.config
  local root = M.root_dir(vim.api.nvim_buf_get_name(bufnr))
  local id = clients[root]
  if not alive(id) then
    if vim.fn.executable(cfg.cmd[1]) ~= 1 then
      vim.notify(
        string.format("dlint: cannot start the language server: '%s' is not an executable on PATH", cfg.cmd[1]),
        vim.log.levels.ERROR
      )
      return nil
    end
    local settings = cfg.settings
    local start_config = {
      name = cfg.name,
      cmd = cfg.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      init_options = settings,
      settings = settings and { dlint = settings } or {},
      capabilities = cfg.capabilities,
      handlers = cfg.handlers,
      on_attach = cfg.on_attach,
    }
    if vim.lsp.start_client then
      id = vim.lsp.start_client(start_config)
    else
      -- Neovim versions that dropped start_client: vim.lsp.start attaches the buffer itself.
      id = vim.lsp.start(start_config, { bufnr = bufnr, reuse_client = function() return false end })
    end
    if id == nil then
      vim.notify('dlint: vim.lsp.start_client failed for ' .. table.concat(cfg.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function is_dlint_filetype(ft)
  for _, f in ipairs(M.config.filetypes) do
    if f == ft then
      return true
    end
  end
  return false
end

--- Configures dlint (opts override the defaults above) and attaches dockerfile buffers.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  -- Lists replace, not merge.
  for _, k in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
    if opts and opts[k] then
      M.config[k] = opts[k]
    end
  end
  vim.cmd([[
    augroup dlint_legacy
      autocmd!
      autocmd BufRead,BufNewFile *.dockerfile,*.Containerfile,dockerfile setfiletype dockerfile
    augroup END
  ]])
  vim.cmd(string.format(
    'autocmd dlint_legacy FileType %s lua require("dlint_legacy").start(tonumber(vim.fn.expand("<abuf>")))',
    table.concat(M.config.filetypes, ',')
  ))
  -- Buffers already open.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and is_dlint_filetype(vim.bo[b].filetype) then
      M.start(b)
    end
  end
  return M
end

--- Stops every dlint client started by this module.
function M.stop()
  for root, id in pairs(clients) do
    vim.lsp.stop_client(id)
    clients[root] = nil
  end
end

return M
