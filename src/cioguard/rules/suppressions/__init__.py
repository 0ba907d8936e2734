"""Rules about the suppression comments themselves.

Their findings come from the suppression pass that runs after every other
rule (``cioguard.suppressions``), because only that pass records which
comments silenced which findings. Their ``check`` methods report nothing.
"""
