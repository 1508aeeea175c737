# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for vnetctl(8).
#
# Self-contained: it works with or without the bash-completion package, and
# reads network names from "vnetctl --json list" with grep and sed (no jq);
# domain names come from virsh, when it is installed.  The commands and each
# command's options come from vnetctl's own tables ("vnetctl help --commands",
# "vnetctl help --options [COMMAND]"): tests/cli/options.sh checks them
# against the man page's synopsis.

_vnetctl_modes=(nat isolated bridged hybrid overlay)

# "--name[ ARG]" lines of COMMAND's options (none: the global ones).
_vnetctl_options()
{
	"${_vnetctl_prog:-vnetctl}" help --options ${1:+"$1"} 2>/dev/null
}

# The option words alone, and those that take a value.
_vnetctl_option_words() { _vnetctl_options "$@" | while read -r o _; do printf '%s\n' "$o"; done; }
_vnetctl_value_options() { _vnetctl_options "$@" | while read -r o a; do [ -n "$a" ] && printf '%s\n' "$o"; done; }

# The interfaces of this host; "bridges" gives only bridges, "uplinks" leaves
# out the loopback and bridges (an uplink is a physical interface).
_vnetctl_ifaces()
{
	local d n
	for d in /sys/class/net/*; do
		[ -e "$d" ] || continue
		n=${d##*/}
		case $1 in
		bridges) [ -d "$d/bridge" ] || continue ;;
		uplinks) [ "$n" = lo ] && continue; [ -d "$d/bridge" ] && continue ;;
		esac
		printf '%s\n' "$n"
	done
}

# Run vnetctl with the line's --connect, quickly and quietly.
_vnetctl_run()
{
	local cmd=${_vnetctl_prog:-vnetctl}
	if command -v timeout >/dev/null 2>&1; then
		timeout 3 "$cmd" ${_vnetctl_uri:+--connect "$_vnetctl_uri"} "$@" 2>/dev/null
	else
		"$cmd" ${_vnetctl_uri:+--connect "$_vnetctl_uri"} "$@" 2>/dev/null
	fi
}

# The names of the managed networks: every "name": "..." field of the JSON.
_vnetctl_networks()
{
	_vnetctl_run --json list |
		grep -o '"name"[[:space:]]*:[[:space:]]*"[^"\\]*"' |
		sed 's/^"name"[[:space:]]*:[[:space:]]*"\(.*\)"$/\1/'
}

# The libvirt domains (defined or running), on the line's --connect; nothing
# without virsh.
_vnetctl_domains()
{
	command -v virsh >/dev/null 2>&1 || return 0
	if command -v timeout >/dev/null 2>&1; then
		timeout 3 virsh ${_vnetctl_uri:+--connect "$_vnetctl_uri"} -q list --all --name 2>/dev/null
	else
		virsh ${_vnetctl_uri:+--connect "$_vnetctl_uri"} -q list --all --name 2>/dev/null
	fi
}

# The forwards of network $1, in the canonical form "vnetctl show" prints.
_vnetctl_forwards()
{
	local json re='^[[:space:],]*"([^"\\]*)"(.*)$'
	json=$(_vnetctl_run --json show "$1" | tr '\n' ' ')
	[[ $json == *'"forwards"'* ]] || return 0
	json=${json#*\"forwards\"}
	json=${json#*[}
	while [[ $json =~ $re ]]; do
		printf '%s\n' "${BASH_REMATCH[1]}"
		json=${BASH_REMATCH[2]}
	done
}

# COMPREPLY = the words of $1 (one per line) that start with $cur.
_vnetctl_reply()
{
	local w
	COMPREPLY=()
	while IFS= read -r w; do
		[ -n "$w" ] && [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done <<<"$1"
}

_vnetctl()
{
	local cur prev line i w cmd='' cmdi=0 mode='' uri=''
	local -a words

	# Split the line ourselves: COMP_WORDS breaks "8080:80" and "--mode=nat"
	# at ':' and '='.  Without COMP_LINE (a test), trust COMP_WORDS.
	if [ -n "${COMP_LINE+set}" ]; then
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
		read -ra words <<<"$line"
		[[ $line =~ [[:space:]]$ ]] && words+=("")
		[ ${#words[@]} -eq 0 ] && words=("")
	else
		words=("${COMP_WORDS[@]:0:$((COMP_CWORD + 1))}")
	fi
	cur=${words[${#words[@]} - 1]}
	prev=
	[ ${#words[@]} -ge 2 ] && prev=${words[${#words[@]} - 2]}

	# The global options and the command.
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		w=${words[i]}
		case $w in
		-c | --connect) uri=${words[i + 1]}; ((i++)) ;;
		--connect=*) uri=${w#--connect=} ;;
		-*) ;;
		*) cmd=$w; cmdi=$i; break ;;
		esac
	done
	# Quotes the user typed around the URI are not part of it.
	uri=${uri#[\"\']}; uri=${uri%[\"\']}
	local _vnetctl_uri=$uri _vnetctl_prog=${words[0]:-vnetctl}
	[[ $_vnetctl_prog == vnetctl || $_vnetctl_prog == */vnetctl ]] || _vnetctl_prog=vnetctl

	COMPREPLY=()
	if [ -z "$cmd" ]; then
		case $prev in
		-c | --connect)
			_vnetctl_reply "$(printf '%s\n' qemu:///system qemu:///session qemu+ssh://)"
			;;
		*)
			case $cur in
			--connect=*)
				_vnetctl_reply "$(printf -- '--connect=%s\n' qemu:///system qemu:///session qemu+ssh://)" ;;
			-*) _vnetctl_reply "$(_vnetctl_option_words)" ;;
			*) _vnetctl_reply "$("$_vnetctl_prog" help --commands 2>/dev/null)" ;;
			esac
			;;
		esac
		_vnetctl_trim
		return 0
	fi

	# Arguments after the command: $n counts the positional ones before $cur.
	local -a args=()
	local valopts
	valopts=" $(_vnetctl_value_options "$cmd" | tr '\n' ' ') "
	for ((i = cmdi + 1; i < ${#words[@]} - 1; i++)); do
		w=${words[i]}
		case $w in
		--mode) mode=${words[i + 1]}; ((i++)) ;;
		--mode=*) mode=${w#--mode=} ;;
		-*) [[ $valopts == *" $w "* ]] && ((i++)) ;;
		*) args+=("$w") ;;
		esac
	done
	local n=${#args[@]}

	# An option, wherever it comes: the command's own, from its table.
	if [[ $cur == -* && $cur != *=* && $valopts != *" $prev "* ]]; then
		_vnetctl_reply "$(_vnetctl_option_words "$cmd")"
		_vnetctl_trim
		return 0
	fi

	case $cmd in
	create | xml | plan)
		case $prev in
		--mode) _vnetctl_reply "$(printf '%s\n' "${_vnetctl_modes[@]}")" ;;
		--uplink) _vnetctl_reply "$(_vnetctl_ifaces uplinks)" ;;
		--switch) _vnetctl_reply "$(printf '%s\n' linux ovs)" ;;
		--bridge)
			# bridged and hybrid join a bridge that exists; nat and
			# isolated name a new one.
			case $mode in
			nat | isolated) ;;
			*) _vnetctl_reply "$(_vnetctl_ifaces bridges)" ;;
			esac
			;;
		--subnet | --subnet6 | --forward | --confirm-timeout | --vlan) ;;
		*)
			case $cur in
			--mode=*) _vnetctl_reply "$(printf -- '--mode=%s\n' "${_vnetctl_modes[@]}")" ;;
			--uplink=*) _vnetctl_reply "$(_vnetctl_ifaces uplinks | sed 's/^/--uplink=/')" ;;
			--bridge=*) _vnetctl_reply "$(_vnetctl_ifaces bridges | sed 's/^/--bridge=/')" ;;
			*)
				# The name is new: offer the options (--mode first
				# when it is still missing).
				if [ -z "$mode" ] && [ -z "$cur" ]; then
					_vnetctl_reply --mode
				else
					_vnetctl_reply "$(_vnetctl_option_words "$cmd")"
				fi
				;;
			esac
			;;
		esac
		;;
	apply)
		case $prev in
		-f | --file)
			# Intent files, directories, and "-" for standard input.
			mapfile -t COMPREPLY < <(compgen -f -X '!*.xml' -- "$cur"; compgen -d -- "$cur")
			[[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
			compopt -o filenames 2>/dev/null
			;;
		*) _vnetctl_reply "$(_vnetctl_option_words apply)" ;;
		esac
		;;
	delete | show | confirm | revert)
		[ "$n" -eq 0 ] && _vnetctl_reply "$(_vnetctl_networks)"
		;;
	scan | doctor)
		case $prev in
		--range | --vlan) ;;	# a value of the user's
		*) [ "$n" -eq 0 ] && _vnetctl_reply "$(_vnetctl_networks)" ;;
		esac
		;;
	attach | detach)
		case $prev in
		--mac | --ip) ;;	# a value of the user's
		*)
			case $n in
			0) _vnetctl_reply "$(_vnetctl_networks)" ;;
			1) _vnetctl_reply "$(_vnetctl_domains)" ;;
			*) _vnetctl_reply "$(_vnetctl_option_words "$cmd")" ;;
			esac
			;;
		esac
		;;
	forward)
		case $n in
		0) _vnetctl_reply "$(printf '%s\n' add remove)" ;;
		1) _vnetctl_reply "$(_vnetctl_networks)" ;;
		2) [ "${args[0]}" = remove ] && _vnetctl_reply "$(_vnetctl_forwards "${args[1]}")" ;;
		3) _vnetctl_reply "$(_vnetctl_option_words forward)" ;;
		esac
		;;
	trace)
		case $prev in
		--seconds) ;;	# a number of the user's
		*)
			case $n in
			0) _vnetctl_reply "$(_vnetctl_networks)" ;;
			1) _vnetctl_reply "$(_vnetctl_forwards "${args[0]}")" ;;
			*) _vnetctl_reply "$(_vnetctl_option_words trace)" ;;
			esac
			;;
		esac
		;;
	help)
		[ "$n" -eq 0 ] && _vnetctl_reply "$("$_vnetctl_prog" help --commands 2>/dev/null)"
		;;
	list | restore | hook | qemu-hook) ;;
	watch) _vnetctl_reply "$(_vnetctl_option_words watch)" ;;
	esac
	_vnetctl_trim
	return 0
}

# bash replaces only the part of the word after the last ':' or '=' of
# COMP_WORDBREAKS: hand it just that part (as __ltrim_colon_completions).
_vnetctl_trim()
{
	local c i prefix
	[ -n "${COMP_LINE+set}" ] || return 0
	for c in : =; do
		[[ $COMP_WORDBREAKS == *"$c"* && $cur == *"$c"* ]] || continue
		prefix=${cur%"${cur##*"$c"}"}
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
		done
		cur=${cur#"$prefix"}
	done
}

complete -F _vnetctl vnetctl
