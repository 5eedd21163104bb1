-- End-to-end: `dlint server` driven by headless Neovim (0.7.2: no
-- vim.lsp.start, so vim.lsp.start_client + buf_attach_client).
--
--   DLINT_BIN=... DLINT_DOCKERFILE=... nvim --headless --clean -u NONE \
--     -c "luafile tests/lsp/nvim_e2e.lua"
--
-- Opens the sample Dockerfile, waits for dlint's diagnostics, applies the
-- "Replace ADD with COPY" quick fix through Neovim's own workspace-edit code
-- (Neovim then sends the didChange), waits for the diagnostic to go, stops
-- the client and checks the server exited with 0. Prints "NVIM-E2E OK" and
-- quits with 0 on success; any failure quits with 1.

local function out(msg)
  io.stdout:write(msg .. '\n')
end

local function fail(msg)
  out('NVIM-E2E FAIL: ' .. msg)
  vim.cmd('cquit 1')
end

local function main()
  local bin = assert(os.getenv('DLINT_BIN'), 'DLINT_BIN not set')
  local path = assert(os.getenv('DLINT_DOCKERFILE'), 'DLINT_DOCKERFILE not set')
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  vim.bo.filetype = 'dockerfile'
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)

  local latest = nil -- the last publishDiagnostics for our buffer
  local exit_code = nil
  local client_id = vim.lsp.start_client({
    name = 'dlint',
    cmd = { bin, 'server' },
    root_dir = vim.fn.fnamemodify(path, ':h'),
    flags = { debounce_text_changes = 20 },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        if result and result.uri == uri then
          latest = result
        end
        return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
      end,
    },
    on_exit = function(code, _signal, _id)
      exit_code = code
    end,
  })
  if not client_id then
    return fail('start_client failed')
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client = vim.lsp.get_client_by_id(client_id)

  local function find(result, code)
    for _, d in ipairs(result and result.diagnostics or {}) do
      if d.code == code then
        return d
      end
    end
    return nil
  end

  if not vim.wait(15000, function() return find(latest, 'D201') ~= nil end, 20) then
    return fail('no D201 (add-instead-of-copy) diagnostic; last: ' .. vim.inspect(latest))
  end
  local diag = find(latest, 'D201')
  out(string.format('diagnostic %s at %d:%d [%s] %s', diag.code, diag.range.start.line + 1,
    diag.range.start.character + 1, diag.source, diag.message))
  if diag.source ~= 'dlint' or diag.range.start.line ~= 1 then
    return fail('unexpected diagnostic: ' .. vim.inspect(diag))
  end
  if #vim.diagnostic.get(bufnr) == 0 then
    return fail('Neovim did not record the diagnostics')
  end

  local params = {
    textDocument = { uri = uri },
    range = diag.range,
    context = { diagnostics = { diag } },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000)
  local action = nil
  local titles = {}
  for _, resp in pairs(responses or {}) do
    if resp.error then
      return fail('codeAction error: ' .. vim.inspect(resp.error))
    end
    for _, a in ipairs(resp.result or {}) do
      table.insert(titles, a.title)
      if a.title == 'Replace ADD with COPY' then
        action = a
      end
    end
  end
  out('code actions: ' .. table.concat(titles, ' | '))
  if not action then
    return fail('no "Replace ADD with COPY" action')
  end
  if action.kind ~= 'quickfix' or action.isPreferred ~= true then
    return fail('unexpected action: ' .. vim.inspect(action))
  end
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  local line = vim.api.nvim_buf_get_lines(bufnr, 1, 2, false)[1]
  out('line 2 after the fix: ' .. line)
  if line ~= 'COPY app.sh /app/app.sh' then
    return fail('the edit was not applied as expected')
  end

  local gone = vim.wait(15000, function()
    return latest ~= nil and (latest.version or 0) > 1 and find(latest, 'D201') == nil
  end, 20)
  if not gone then
    return fail('D201 still reported after the fix; last: ' .. vim.inspect(latest))
  end
  out(string.format('diagnostics at version %d: %d, D201 gone', latest.version, #latest.diagnostics))

  vim.lsp.stop_client(client_id)
  if not vim.wait(10000, function() return exit_code ~= nil end, 20) then
    return fail('the server did not exit')
  end
  if exit_code ~= 0 then
    return fail('server exit code ' .. tostring(exit_code))
  end
  out('server exit code 0')
  out('NVIM-E2E OK')
  vim.cmd('qall!')
end

local ok, err = pcall(main)
if not ok then
  fail(tostring(err))
end
