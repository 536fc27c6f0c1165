-- SPDX-License-Identifier: MIT
-- A page of docs/ as a man page (pandoc -t man --lua-filter scripts/man.lua,
-- run by the Makefile).  The page's title ("# livedump record") becomes NAME
-- with the one-line summary given as metadata `summary`, the code block right
-- after it SYNOPSIS, the text up to the first "##" DESCRIPTION, and each "##"
-- section a section of the man page.  Links keep their text only: their
-- targets are paths in the source tree, which a man page has no use for.

function Link(el)
	return el.content
end

function Pandoc(doc)
	local b = doc.blocks
	if not b[1] or b[1].t ~= 'Header' or b[1].level ~= 1 then
		error('the page must start with "# livedump ..."')
	end
	local title = pandoc.utils.stringify(b[1].content)
	local name = title:gsub(' ', '-')
	local summary = pandoc.utils.stringify(doc.meta.summary or '')
	if summary == '' then
		error('no summary for ' .. title)
	end
	local out = {
		pandoc.Header(1, 'NAME'),
		pandoc.Para({ pandoc.Str(name), pandoc.Space(), pandoc.Str('-'),
			      pandoc.Space(), pandoc.Str(summary) }),
	}
	local i = 2
	if b[i] and b[i].t == 'CodeBlock' then
		table.insert(out, pandoc.Header(1, 'SYNOPSIS'))
		table.insert(out, b[i])
		i = i + 1
	end
	table.insert(out, pandoc.Header(1, 'DESCRIPTION'))
	for k = i, #b do
		local blk = b[k]
		if blk.t == 'Header' then
			blk.level = math.max(1, blk.level - 1)
			if blk.level == 1 then
				blk.content = { pandoc.Str(pandoc.utils.stringify(blk.content):upper()) }
			end
		end
		table.insert(out, blk)
	end
	if name ~= 'livedump' then
		table.insert(out, pandoc.Header(1, 'SEE ALSO'))
		table.insert(out, pandoc.Para({ pandoc.Strong({ pandoc.Str('livedump') }),
						pandoc.Str('(1)') }))
	end
	doc.meta.title = pandoc.MetaString(name:upper())
	doc.blocks = out
	return doc
end
