# bash completion for Init (the init-suite package): `init-suite APPLET …`, `sv COMMAND SERVICE…`
# with the services of $SVDIR (default /etc/service), and the options of the other applets.
# Installed as /usr/share/bash-completion/completions/init-suite and sourced from
# /etc/bash_completion.d/init-suite, so that it also answers for the applets' own names (sv, …).

_init_suite_services() {
    local dir=${SVDIR:-/etc/service} entry
    for entry in "$dir"/*; do
        [ -d "$entry" ] && printf '%s\n' "${entry##*/}"
    done
}

_init_suite_sv() {
    local cur=${COMP_WORDS[COMP_CWORD]} i command=
    local commands="status up down once pause cont hup alarm interrupt quit 1 2 term kill exit start stop reload restart shutdown force-stop force-reload force-restart force-shutdown try-restart check"
    # The first word that is neither an option nor an option's value is the command.
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -w) ((i++)) ;;
            -*) ;;
            *) command=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [ "${COMP_WORDS[COMP_CWORD - 1]}" = -w ]; then COMPREPLY=(); return; fi
    if [ -z "$command" ]; then
        case $cur in
            -*) COMPREPLY=($(compgen -W "-v -w --help" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        esac
        return
    fi
    COMPREPLY=($(compgen -W "$(_init_suite_services)" -- "$cur"))
    # A path names a service directory anywhere.
    case $cur in */*|.*) COMPREPLY+=($(compgen -d -- "$cur")) ;; esac
}

# Each applet's options, for the names that are not sv.
_init_suite_options() {
    case $1 in
        runsv) echo "--help" ;;
        runsvdir) echo "-P --help" ;;
        svlogd) echo "-t -tt -ttt -v -r -R -l -b --help" ;;
        chpst) echo "-u -U -b -e -/ -C -n -l -L -m -d -o -p -f -c -t -v -V -P -0 -1 -2 --help" ;;
        runsvchdir|utmpset) echo "--help" ;;
        poweroff|reboot|halt) echo "-f --help" ;;
        import) echo "-n -p --help" ;;
        health|analyze) echo "--help" ;;
        container|tini) echo "-s -g -e -p -v -w -l -h --version --" ;;
        dumb-init) echo "-c --single-child -r --rewrite -v --verbose -V --version -h --help --" ;;
    esac
}

_init_suite() {
    local cur=${COMP_WORDS[COMP_CWORD]} name=${COMP_WORDS[0]##*/} shift=0
    # `init-suite APPLET …`: the applet is the first argument.
    if [ "$name" = init-suite ] || [ "$name" = init ]; then
        if [ "$COMP_CWORD" -eq 1 ]; then
            COMPREPLY=($(compgen -W "$(init-suite --list 2>/dev/null) import health analyze --help --list --version" -- "$cur"))
            return
        fi
        name=${COMP_WORDS[1]}
        shift=1
    fi
    if [ "$name" = sv ]; then
        local COMP_WORDS=("${COMP_WORDS[@]:shift}") COMP_CWORD=$((COMP_CWORD - shift))
        _init_suite_sv
        return
    fi
    case $name in
        analyze) [ "$cur" = "${cur#-}" ] && { COMPREPLY=($(compgen -W "blame critical-chain plot" -- "$cur")); return; } ;;
        health) [ "$cur" = "${cur#-}" ] && { COMPREPLY=($(compgen -W "$(_init_suite_services)" -- "$cur")); return; } ;;
    esac
    case $cur in
        -*) COMPREPLY=($(compgen -W "$(_init_suite_options "$name")" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}

complete -F _init_suite init-suite
complete -F _init_suite sv
for _init_suite_name in runsv runsvdir svlogd chpst runsvchdir utmpset; do complete -F _init_suite "$_init_suite_name"; done
unset _init_suite_name
