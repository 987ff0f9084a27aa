import random

from django.http import JsonResponse

QUESTIONS = ["What is 2+2?", "Capital of France?", "Largest planet?"]


def quiz(request):
    order = list(QUESTIONS)
    random.shuffle(order)
    return JsonResponse({"questions": order})
